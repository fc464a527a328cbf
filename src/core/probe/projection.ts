/**
 * 2-D views of a cell's features for the scatter plot: PCA (exact, deterministic: the top two
 * eigenvectors of the covariance by power iteration with deflation) and UMAP (umap-js, seeded).
 * Plain TypeScript on the host: a few thousand rows of at most a few hundred features.
 */
import { UMAP } from 'umap-js';
import { uniformValues } from '../diffusion/rng';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';

export interface Projection {
  /** x0, y0, x1, y1, ... one point per row. */
  points: Float32Array;
  /** PCA only: the fraction of the variance each of the two axes explains. */
  explained: [number, number] | null;
}

function covariance(
  data: Float32Array,
  dim: number,
): { cov: Float64Array; mean: Float64Array; total: number } {
  const n = data.length / dim;
  const mean = new Float64Array(dim);
  for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, n);
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) row[j] = data[r * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      if (ra === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  let total = 0;
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / Math.max(1, n - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
    total += cov[a * dim + a];
  }
  return { cov, mean, total };
}

/** The leading eigenvector and eigenvalue of a symmetric PSD matrix (power iteration from a fixed start). */
function leadingEigen(m: Float64Array, dim: number): { vector: Float64Array; value: number } {
  let v = new Float64Array(dim).map((_, j) => 1 / Math.sqrt(dim) + 1e-3 * Math.sin(j + 1));
  let value = 0;
  for (let it = 0; it < 500; it++) {
    const next = new Float64Array(dim);
    for (let a = 0; a < dim; a++) {
      let s = 0;
      for (let b = 0; b < dim; b++) s += m[a * dim + b] * v[b];
      next[a] = s;
    }
    let sq = 0;
    for (let a = 0; a < dim; a++) sq += next[a] * next[a];
    const norm = Math.sqrt(sq);
    if (norm === 0) return { vector: v, value: 0 };
    for (let a = 0; a < dim; a++) next[a] /= norm;
    let delta = 0;
    for (let a = 0; a < dim; a++) delta = Math.max(delta, Math.abs(next[a] - v[a]));
    v = next;
    value = norm;
    if (delta < 1e-10) break;
  }
  // Fix the sign so the projection is deterministic: the largest component is positive.
  let big = 0;
  for (let a = 1; a < dim; a++) if (Math.abs(v[a]) > Math.abs(v[big])) big = a;
  if (v[big] < 0) for (let a = 0; a < dim; a++) v[a] = -v[a];
  return { vector: v, value };
}

export function pca2d(data: Float32Array, dim: number): Projection {
  const n = data.length / dim;
  const { cov, mean, total } = covariance(data, dim);
  const first = leadingEigen(cov, dim);
  for (let a = 0; a < dim; a++) {
    for (let b = 0; b < dim; b++) cov[a * dim + b] -= first.value * first.vector[a] * first.vector[b];
  }
  const second = leadingEigen(cov, dim);
  const points = new Float32Array(2 * n);
  for (let r = 0; r < n; r++) {
    let x = 0;
    let y = 0;
    for (let j = 0; j < dim; j++) {
      const c = data[r * dim + j] - mean[j];
      x += c * first.vector[j];
      y += c * second.vector[j];
    }
    points[2 * r] = x;
    points[2 * r + 1] = y;
  }
  const frac = (v: number) => (total > 0 ? v / total : 0);
  return { points, explained: [frac(first.value), frac(second.value)] };
}

/** UMAP to 2-D (umap-js), seeded so the same features give the same picture. */
export async function umap2d(
  data: Float32Array,
  dim: number,
  seed = 0,
  control: JobControl = {},
): Promise<Projection> {
  const n = data.length / dim;
  if (n < 3) return { points: new Float32Array(2 * n), explained: null };
  const rows = Array.from({ length: n }, (_, r) => Array.from(data.subarray(r * dim, (r + 1) * dim)));
  const draws = uniformValues(seed, 3, 1 << 20, 23);
  let next = 0;
  const umap = new UMAP({
    nComponents: 2,
    nNeighbors: Math.min(15, n - 1),
    minDist: 0.1,
    random: () => draws[next++ % draws.length],
  });
  const epochs = umap.initializeFit(rows);
  for (let e = 0; e < epochs; e++) {
    umap.step();
    if (e % 20 === 0) {
      throwIfCancelled(control.signal);
      control.onProgress?.(e, epochs);
      await yieldToEventLoop();
    }
  }
  const embedding = umap.getEmbedding();
  return { points: Float32Array.from(embedding.flat()), explained: null };
}
