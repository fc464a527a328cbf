/**
 * Market-1501 evaluation from a query x gallery distance matrix (torchreid `eval_market1501`, the official
 * MATLAB `evaluation.m` semantics):
 * - per query, the gallery is sorted by ascending distance (ties: lower gallery index first);
 * - junk is dropped from the ranking: gallery items of the query's identity taken by the query's camera, and
 *   items labelled -1 (bad boxes); distractors (pid 0) stay, as negatives;
 * - good = same identity, another camera; a query without any good item is not counted (not "valid");
 * - CMC rank-k = share of valid queries with a good item in the top k (first-match);
 * - AP is the non-interpolated average precision, (1/R) sum over the good items of precision at their rank
 *   (torchreid, fast-reid, michuanhaohao). The MATLAB code's trapezoid rule gives slightly different values.
 * - mINP (fast-reid): mean over valid queries of R / (rank of the last good item).
 */

export interface ReidLabels {
  pids: ArrayLike<number>;
  camIds: ArrayLike<number>;
}

export interface EvalResult {
  /** cmc[k - 1] = rank-k accuracy, k = 1 .. maxRank. */
  cmc: Float64Array;
  rank1: number;
  rank5: number;
  rank10: number;
  mAP: number;
  mINP: number;
  numQueries: number;
  validQueries: number;
  /** Per query: AP, NaN for a query without a good gallery item. */
  ap: Float64Array;
  /** Per query: 1-based rank of the first good item after junk removal, 0 if none. */
  firstMatchRank: Int32Array;
}

export const JUNK_LABEL = -1;

/** Whether gallery item g is ignored when ranking for a query (same identity and camera, or junk). */
export function isJunk(qPid: number, qCam: number, gPid: number, gCam: number): boolean {
  return gPid === JUNK_LABEL || (gPid === qPid && gCam === qCam);
}

/** Gallery indices sorted by ascending distance (stable). */
export function rankRow(dist: ArrayLike<number>, offset: number, numGallery: number): Uint32Array {
  const order = new Uint32Array(numGallery);
  for (let j = 0; j < numGallery; j++) order[j] = j;
  // NaN sorts last: a broken distance should never look like a match.
  const key = (j: number) => {
    const d = dist[offset + j];
    return Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  };
  order.sort((a, b) => key(a) - key(b) || a - b);
  return order;
}

export function evaluateRanking(
  dist: ArrayLike<number>,
  query: ReidLabels,
  gallery: ReidLabels,
  options: { maxRank?: number } = {},
): EvalResult {
  const nq = query.pids.length;
  const ng = gallery.pids.length;
  if (query.camIds.length !== nq || gallery.camIds.length !== ng) {
    throw new Error('evaluateRanking: pids and camIds must have the same length');
  }
  if (dist.length !== nq * ng) {
    throw new Error(`evaluateRanking: the distance matrix has ${dist.length} values, expected ${nq} x ${ng}`);
  }
  // At least 10, so rank-1/5/10 are always computed.
  const maxRank = Math.max(options.maxRank ?? 50, 10);
  const hits = new Float64Array(maxRank);
  const ap = new Float64Array(nq).fill(Number.NaN);
  const firstMatchRank = new Int32Array(nq);
  let valid = 0;
  let apSum = 0;
  let inpSum = 0;
  for (let q = 0; q < nq; q++) {
    const qPid = query.pids[q];
    const qCam = query.camIds[q];
    const order = rankRow(dist, q * ng, ng);
    let rank = 0; // position among kept items
    let good = 0;
    let precisionSum = 0;
    let first = 0;
    let last = 0;
    for (let k = 0; k < ng; k++) {
      const g = order[k];
      const gPid = gallery.pids[g];
      const gCam = gallery.camIds[g];
      if (isJunk(qPid, qCam, gPid, gCam)) continue;
      rank++;
      if (gPid === qPid) {
        good++;
        precisionSum += good / rank;
        if (first === 0) first = rank;
        last = rank;
      }
    }
    if (good === 0) continue;
    valid++;
    ap[q] = precisionSum / good;
    apSum += ap[q];
    inpSum += good / last;
    firstMatchRank[q] = first;
    for (let k = first - 1; k < maxRank; k++) hits[k]++;
  }
  const cmc = hits.map((h) => (valid > 0 ? h / valid : 0));
  return {
    cmc,
    rank1: cmc[0],
    rank5: cmc[4],
    rank10: cmc[9],
    mAP: valid > 0 ? apSum / valid : 0,
    mINP: valid > 0 ? inpSum / valid : 0,
    numQueries: nq,
    validQueries: valid,
    ap,
    firstMatchRank,
  };
}
