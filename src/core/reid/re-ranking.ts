/**
 * k-reciprocal re-ranking (Zhong, Zheng, Cao, Li: "Re-ranking Person Re-identification with k-reciprocal
 * Encoding", CVPR 2017) over precomputed distances, as huanghoujing's `re_ranking(q_g, q_q, g_g, k1, k2,
 * lambda)` runs it, so global, local or fused distances can all be re-ranked:
 *
 *  1. original = [[q_q, q_g], [q_gᵀ, g_g]] squared, each column divided by its maximum, transposed;
 *  2. R*(i): the k1-reciprocal neighbours of i, expanded by the round(k1/2)-reciprocal sets of its members
 *     that share more than 2/3 of their members with it;
 *  3. V[i] = exp(−original[i, j]) over j ∈ R*(i), summing to 1; then the mean of the V rows of i's k2
 *     nearest (local query expansion) when k2 > 1;
 *  4. jaccard[i][j] = 1 − s/(2 − s), s = Σ_c min(V[i][c], V[j][c]);
 *  5. final = (1 − λ)·jaccard + λ·original, for query rows and gallery columns.
 *
 * The reference builds dense (Q+G)² matrices (original, argsort, V): 1.5 GB each for Market-1501, the
 * MemoryErrors its issues report. Here nothing of size (Q+G)² is allocated: rows of `original` are formed a
 * block at a time from the three inputs and only their k1 + 1 nearest kept, V and its inverted index are
 * sparse (a few dozen entries per row), and the Jaccard pass needs one row of sums. Memory is O((Q+G)·k1)
 * beside the inputs; time is O((Q+G)²) for the neighbour search, the dominant pass.
 * Ties in the neighbour order go to the lower index (the reference's unstable argsort leaves them open).
 */
import type { DistanceMatrix } from './features';

export interface ReRankOptions {
  /** Neighbourhood of the k-reciprocal sets (default 20). */
  readonly k1?: number;
  /** Neighbours averaged in the local query expansion; 1 turns it off (default 6). */
  readonly k2?: number;
  /** Weight of the original distance in the result (default 0.3). */
  readonly lambda?: number;
}

export const RERANK_DEFAULTS = { k1: 20, k2: 6, lambda: 0.3 } as const;

/** Rows of `original` formed per block: a block reads each input row once, in order. */
const ROW_BLOCK = 64;

/** A sparse row: sorted column indices and their values. */
interface SparseRow {
  readonly index: Int32Array;
  readonly value: Float32Array;
}

/** numpy's `around`: halves go to the even neighbour (round(2.5) = 2). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function checkShapes(qg: DistanceMatrix, qq: DistanceMatrix, gg: DistanceMatrix): void {
  const q = qg.rows;
  const g = qg.cols;
  const shapes: [string, DistanceMatrix, number, number][] = [
    ['q_g', qg, q, g],
    ['q_q', qq, q, q],
    ['g_g', gg, g, g],
  ];
  for (const [name, m, rows, cols] of shapes) {
    if (m.rows !== rows || m.cols !== cols || m.data.length !== rows * cols) {
      throw new Error(
        `reRank: ${name} must be ${rows}x${cols}, got ${m.rows}x${m.cols} (${m.data.length} values)`,
      );
    }
  }
}

/**
 * The re-ranked query × gallery distances from the query-gallery `qg`, query-query `qq` and gallery-gallery
 * `gg` distance matrices (any non-negative distance: global, local or their sum).
 */
export function reRank(
  qg: DistanceMatrix,
  qq: DistanceMatrix,
  gg: DistanceMatrix,
  options: ReRankOptions = {},
): DistanceMatrix {
  checkShapes(qg, qq, gg);
  const { k1, k2, lambda } = { ...RERANK_DEFAULTS, ...options };
  const numQuery = qg.rows;
  const numGallery = qg.cols;
  const n = numQuery + numGallery;
  if (!Number.isSafeInteger(k1) || k1 < 1)
    throw new Error(`reRank: k1 must be a positive integer, got ${k1}`);
  if (!Number.isSafeInteger(k2) || k2 < 1 || k2 > k1 + 1) {
    throw new Error(`reRank: k2 must be an integer in 1..k1 + 1, got ${k2}`);
  }
  if (!(lambda >= 0 && lambda <= 1)) throw new Error(`reRank: lambda must be in [0, 1], got ${lambda}`);
  if (numQuery === 0 || numGallery === 0)
    return { rows: numQuery, cols: numGallery, data: new Float32Array(0) };

  // Entry (r, c) of the concatenated (Q+G)² input matrix.
  const input = (r: number, c: number): number => {
    if (r < numQuery)
      return c < numQuery ? qq.data[r * numQuery + c] : qg.data[r * numGallery + c - numQuery];
    return c < numQuery
      ? qg.data[c * numGallery + r - numQuery]
      : gg.data[(r - numQuery) * numGallery + c - numQuery];
  };
  // Row i of `original` is column i of the squared input scaled by that column's maximum. float32 steps
  // as the reference's float32 arrays.
  const columnMax = new Float32Array(n);
  const original = (i: number, j: number): number => {
    const x = input(j, i);
    return Math.fround(Math.fround(x * x) / columnMax[i]);
  };

  const k = Math.min(k1 + 1, n);
  const nearest = nearestNeighbours(n, k, input, columnMax);
  const inTop = (row: number, target: number, count: number) => {
    for (let t = row * k; t < row * k + count; t++) if (nearest[t] === target) return true;
    return false;
  };
  // The members of i's top `count` that have i in their own top `count`, in neighbour order.
  const reciprocal = (i: number, count: number): number[] => {
    const members: number[] = [];
    for (let t = i * k; t < i * k + count; t++) if (inTop(nearest[t], i, count)) members.push(nearest[t]);
    return members;
  };

  const half = Math.min(roundHalfEven(k1 / 2) + 1, k);
  const rows: SparseRow[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const core = reciprocal(i, k);
    const coreSet = new Set(core);
    const expanded = new Set(core);
    for (const candidate of core) {
      const theirs = reciprocal(candidate, half);
      let shared = 0;
      for (const m of theirs) if (coreSet.has(m)) shared++;
      if (shared > (2 / 3) * theirs.length) for (const m of theirs) expanded.add(m);
    }
    const index = Int32Array.from(expanded).sort();
    const value = new Float32Array(index.length);
    let sum = 0;
    for (let t = 0; t < index.length; t++) {
      value[t] = Math.exp(-original(i, index[t]));
      sum += value[t];
    }
    for (let t = 0; t < index.length; t++) value[t] = value[t] / sum;
    rows[i] = { index, value };
  }

  const v = k2 > 1 ? queryExpansion(rows, nearest, k, k2, n) : rows;
  const columns = invertedIndex(v, n);

  // Jaccard distance of each query to every gallery image through the inverted index, then the blend.
  const out = new Float32Array(numQuery * numGallery);
  const shared = new Float32Array(n);
  for (let i = 0; i < numQuery; i++) {
    shared.fill(0);
    const { index, value } = v[i];
    for (let t = 0; t < index.length; t++) {
      const column = columns[index[t]];
      for (let u = 0; u < column.rows.length; u++) {
        const r = column.rows[u];
        shared[r] += Math.min(value[t], column.values[u]);
      }
    }
    for (let gIndex = 0; gIndex < numGallery; gIndex++) {
      const s = shared[numQuery + gIndex];
      const jaccard = 1 - s / (2 - s);
      out[i * numGallery + gIndex] = jaccard * (1 - lambda) + original(i, numQuery + gIndex) * lambda;
    }
  }
  return { rows: numQuery, cols: numGallery, data: out };
}

/**
 * The `k` nearest of every row of `original` (itself included) as an n × k index array, ascending by
 * distance then index; fills `columnMax`. Works a block of rows at a time so that the inputs are read
 * along their rows.
 */
function nearestNeighbours(
  n: number,
  k: number,
  input: (r: number, c: number) => number,
  columnMax: Float32Array,
): Int32Array {
  const nearest = new Int32Array(n * k);
  const block = new Float32Array(ROW_BLOCK * n);
  const bestValue = new Float64Array(k);
  const bestIndex = new Int32Array(k);
  for (let i0 = 0; i0 < n; i0 += ROW_BLOCK) {
    const rows = Math.min(ROW_BLOCK, n - i0);
    // block[b][j] = input(j, i0 + b)², i.e. column i0 + b of the squared input.
    for (let j = 0; j < n; j++) {
      for (let b = 0; b < rows; b++) {
        const x = input(j, i0 + b);
        block[b * n + j] = Math.fround(x * x);
      }
    }
    for (let b = 0; b < rows; b++) {
      const row = block.subarray(b * n, (b + 1) * n);
      let max = 0;
      for (let j = 0; j < n; j++) if (row[j] > max) max = row[j];
      // An all-zero column (every image identical) stays 0 instead of 0/0.
      if (max === 0) max = 1;
      columnMax[i0 + b] = max;
      // Insertion into a sorted top-k: most values fail the first comparison against the current k-th.
      let filled = 0;
      for (let j = 0; j < n; j++) {
        const value = Math.fround(row[j] / max);
        if (filled === k && value >= bestValue[k - 1]) continue;
        let t = filled < k ? filled++ : k - 1;
        while (t > 0 && bestValue[t - 1] > value) {
          bestValue[t] = bestValue[t - 1];
          bestIndex[t] = bestIndex[t - 1];
          t--;
        }
        bestValue[t] = value;
        bestIndex[t] = j;
      }
      nearest.set(bestIndex, (i0 + b) * k);
    }
  }
  return nearest;
}

/** Each row replaced by the mean of the rows of its k2 nearest (itself first). */
function queryExpansion(
  rows: SparseRow[],
  nearest: Int32Array,
  k: number,
  k2: number,
  n: number,
): SparseRow[] {
  const sum = new Float64Array(n);
  const touched = new Uint8Array(n);
  const count = Math.min(k2, k);
  return rows.map((_, i) => {
    const columns: number[] = [];
    for (let t = 0; t < count; t++) {
      const { index, value } = rows[nearest[i * k + t]];
      for (let u = 0; u < index.length; u++) {
        if (!touched[index[u]]) {
          touched[index[u]] = 1;
          columns.push(index[u]);
        }
        sum[index[u]] += value[u];
      }
    }
    const index = Int32Array.from(columns).sort();
    const value = new Float32Array(index.length);
    for (let t = 0; t < index.length; t++) {
      value[t] = sum[index[t]] / count;
      sum[index[t]] = 0;
      touched[index[t]] = 0;
    }
    return { index, value };
  });
}

/** For each column, the rows with a non-zero V entry there and those entries, rows ascending. */
function invertedIndex(rows: SparseRow[], n: number): { rows: Int32Array; values: Float32Array }[] {
  const counts = new Int32Array(n);
  for (const { index } of rows) for (const c of index) counts[c]++;
  const columns = Array.from(counts, (count) => ({
    rows: new Int32Array(count),
    values: new Float32Array(count),
  }));
  const fill = new Int32Array(n);
  rows.forEach(({ index, value }, r) => {
    for (let t = 0; t < index.length; t++) {
      const c = index[t];
      columns[c].rows[fill[c]] = r;
      columns[c].values[fill[c]++] = value[t];
    }
  });
  return columns;
}
