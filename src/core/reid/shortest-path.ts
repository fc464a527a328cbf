/**
 * AlignedReID's stripe alignment (paper Eq. 2): over an H×H matrix d of stripe distances (row i = stripe i of
 * the query, column j = stripe j of the gallery image), the cheapest path from the top-left cell to the
 * bottom-right one that moves only down or right,
 *
 *   S[0][0] = d[0][0],  S[i][j] = min(S[i−1][j], S[i][j−1]) + d[i][j]   (missing neighbours are skipped),
 *
 * and the local distance is S[H−1][H−1]. Every such path visits exactly 2H − 1 cells, so the aligned distance
 * is not bounded by the diagonal sum (H cells), the "unaligned" baseline. Indices here are 0-based.
 */

/**
 * S[H−1][H−1] of the H×H row-major matrix starting at `d[offset]`. `row` (length ≥ H) is scratch space, so a
 * caller looping over millions of pairs allocates nothing. Row by row: each row needs only the previous one.
 */
export function shortestPathDistance(
  d: ArrayLike<number>,
  h: number,
  offset = 0,
  row: Float64Array = new Float64Array(h),
): number {
  let acc = 0;
  for (let j = 0; j < h; j++) {
    acc += d[offset + j];
    row[j] = acc;
  }
  for (let i = 1; i < h; i++) {
    const base = offset + i * h;
    let left = row[0] + d[base];
    row[0] = left;
    for (let j = 1; j < h; j++) {
      left = Math.min(row[j], left) + d[base + j];
      row[j] = left;
    }
  }
  return row[h - 1];
}

/** The unaligned baseline: Σ_i d[i][i], stripe i of one image against stripe i of the other. */
export function diagonalSum(d: ArrayLike<number>, h: number, offset = 0): number {
  let sum = 0;
  for (let i = 0; i < h; i++) sum += d[offset + i * (h + 1)];
  return sum;
}

/** The optimal path as (i, j) cells, from (0, 0) to (H−1, H−1), and its cost S[H−1][H−1]. */
export interface AlignmentPath {
  readonly distance: number;
  readonly path: ReadonlyArray<readonly [number, number]>;
}

/**
 * The path behind `shortestPathDistance`, for drawing. Traced back from (H−1, H−1) through the cumulative
 * costs: in the first row it can only have come from the left, in the first column only from above, elsewhere
 * from the cheaper of the two (above on a tie). Unlike michuanhaohao's `_traceback`, it never reads index −1.
 */
export function shortestPath(d: ArrayLike<number>, h: number): AlignmentPath {
  if (!Number.isSafeInteger(h) || h < 1 || d.length < h * h) {
    throw new Error(`shortestPath: need an ${h}x${h} matrix, got ${d.length} values`);
  }
  const s = new Float64Array(h * h);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < h; j++) {
      const here = d[i * h + j];
      if (i === 0 && j === 0) s[0] = here;
      else if (i === 0) s[j] = s[j - 1] + here;
      else if (j === 0) s[i * h] = s[(i - 1) * h] + here;
      else s[i * h + j] = Math.min(s[(i - 1) * h + j], s[i * h + j - 1]) + here;
    }
  }
  const path: [number, number][] = [];
  let i = h - 1;
  let j = h - 1;
  path.push([i, j]);
  while (i > 0 || j > 0) {
    if (i === 0) j--;
    else if (j === 0) i--;
    else if (s[(i - 1) * h + j] <= s[i * h + j - 1]) i--;
    else j--;
    path.push([i, j]);
  }
  path.reverse();
  return { distance: s[h * h - 1], path };
}
