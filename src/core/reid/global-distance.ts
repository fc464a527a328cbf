/**
 * The global distance: Euclidean between global features, optionally L2-normalised first (huanghoujing's
 * `compute_dist(type='euclidean')` with `normalize_feat`). Computed as ‖q‖² + ‖g‖² − 2 q·g in float64, clamped
 * at 0 before the square root, so identical vectors give exactly 0 and float32 features of any scale stay finite.
 */
import { checkFinite, type DistanceMatrix, type GlobalFeatures, normalizeGlobal } from './features';
import { gramBlock, squaredNorms } from './gram';

export interface GlobalDistanceOptions {
  /** L2-normalise every feature first (default false, as the published recipes). */
  readonly normalize?: boolean;
}

/** Gallery rows per block: 64 rows of 2048 floats stay in a 512 KiB L2 while every query row passes. */
const GALLERY_BLOCK = 64;

/** The query × gallery Euclidean distance matrix. */
export function globalDistance(
  query: GlobalFeatures,
  gallery: GlobalFeatures,
  options: GlobalDistanceOptions = {},
): DistanceMatrix {
  if (query.dims !== gallery.dims) {
    throw new Error(`globalDistance: query dims ${query.dims} != gallery dims ${gallery.dims}`);
  }
  checkFinite('query features', query.data);
  checkFinite('gallery features', gallery.data);
  const q = options.normalize ? normalizeGlobal(query) : query;
  const g = options.normalize ? normalizeGlobal(gallery) : gallery;
  const dims = q.dims;
  const qNorms = squaredNorms(q.data, dims);
  const gNorms = squaredNorms(g.data, dims);
  const out = new Float32Array(q.count * g.count);
  const dots = new Float64Array(2 * GALLERY_BLOCK);
  for (let g0 = 0; g0 < g.count; g0 += GALLERY_BLOCK) {
    const gRows = Math.min(GALLERY_BLOCK, g.count - g0);
    for (let q0 = 0; q0 < q.count; q0 += 2) {
      const qRows = Math.min(2, q.count - q0);
      gramBlock(q.data, q0 * dims, qRows, g.data, g0 * dims, gRows, dims, dots);
      for (let r = 0; r < qRows; r++) {
        for (let j = 0; j < gRows; j++) {
          const squared = qNorms[q0 + r] + gNorms[g0 + j] - 2 * dots[r * gRows + j];
          out[(q0 + r) * g.count + g0 + j] = squared > 0 ? Math.sqrt(squared) : 0;
        }
      }
    }
  }
  return { rows: q.count, cols: g.count, data: out };
}
