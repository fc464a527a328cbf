/**
 * The fast CPU path of the local distance: the backend multiplies the stripe matrices (on wasm, XNNPACK's
 * SIMD GEMM, ~10× the plain-JS dot products of the reference), and this file turns one tile of that Gram
 * matrix into aligned and unaligned distances.
 *
 * A float32 Gram entry f·g carries an absolute error of about √c·2⁻²⁴·‖f‖‖g‖, which ‖f‖² + ‖g‖² − 2f·g turns
 * into a large relative error when f and g are close (near-duplicate stripes would get d ≈ 10⁻³ instead of
 * 0). Cells whose squared distance falls below 1/16 of ‖f‖² + ‖g‖² are therefore recomputed directly in
 * float64 from the features; elsewhere the relative error stays near 16·√c·2⁻²⁴ (1e-5 for c = 128).
 * tanh(x/2) is a rational approximation (Eigen's float tanh, 2.6e-7 relative) that is 1.5-2× faster
 * than Math.expm1 in V8, exact at 0 and clamped to exactly 1 where float32 tanh rounds to 1.
 */
import { diagonalSum, shortestPathDistance } from './shortest-path';

/** Cells with ‖f − g‖² below this fraction of ‖f‖² + ‖g‖² are recomputed from the features. */
export const RECOMPUTE_FRACTION = 1 / 16;

// tanh(y) ≈ y·P(y²)/Q(y²) on [0, 7.9] (Eigen's generic_fast_tanh_float coefficients).
const A1 = 4.89352455891786e-3;
const A3 = 6.37261928875436e-4;
const A5 = 1.48572235717979e-5;
const A7 = 5.12229709037114e-8;
const A9 = -8.60467152213735e-11;
const A11 = 2.00018790482477e-13;
const A13 = -2.76076847742355e-16;
const B0 = 4.89352518554385e-3;
const B2 = 2.268434632439e-3;
const B4 = 1.18534705686654e-4;
const B6 = 1.19825839466702e-6;
/** Past y = 9, tanh(y) is within 3e-8 of 1: float32 rounds it to 1. */
const SATURATED = 9;

/** tanh(x/2) for x ≥ 0 within 2.6e-7 relative; exactly 1 from x = 18 on (Infinity included). */
export function fastStripeDistance(x: number): number {
  const y = 0.5 * x;
  if (y >= SATURATED) return 1;
  const yc = Math.min(y, 7.905311107635498);
  const y2 = yc * yc;
  const p = yc * (A1 + y2 * (A3 + y2 * (A5 + y2 * (A7 + y2 * (A9 + y2 * (A11 + y2 * A13))))));
  return p / (B0 + y2 * (B2 + y2 * (B4 + y2 * B6)));
}

/**
 * Aligned and unaligned distances of `numQuery` × `numGallery` images from `gram` [numQuery·h,
 * numGallery·h] (row-major, query stripes by gallery stripes) and the squared stripe norms, written to `out`
 * as [2, numQuery, numGallery]. `query` and `gallery` are the features the Gram was made from ([n, h, c]),
 * read only for recomputed cells. Returns how many cells were recomputed.
 */
export function localDistancesFromGram(
  gram: Float32Array,
  query: Float32Array,
  queryNorms: Float64Array,
  numQuery: number,
  gallery: Float32Array,
  galleryNorms: Float64Array,
  numGallery: number,
  h: number,
  c: number,
  out: Float32Array,
): number {
  const pairs = numQuery * numGallery;
  const cols = numGallery * h;
  const cost = new Float64Array(h * h);
  const row = new Float64Array(h);
  let recomputed = 0;
  for (let q = 0; q < numQuery; q++) {
    for (let g = 0; g < numGallery; g++) {
      for (let i = 0; i < h; i++) {
        const qNorm = queryNorms[q * h + i];
        const gramRow = (q * h + i) * cols + g * h;
        for (let j = 0; j < h; j++) {
          const normSum = qNorm + galleryNorms[g * h + j];
          let squared = normSum - 2 * gram[gramRow + j];
          if (squared < RECOMPUTE_FRACTION * normSum) {
            squared = 0;
            const f = (q * h + i) * c;
            const e = (g * h + j) * c;
            for (let k = 0; k < c; k++) {
              const diff = query[f + k] - gallery[e + k];
              squared += diff * diff;
            }
            recomputed++;
          }
          cost[i * h + j] = fastStripeDistance(Math.sqrt(squared));
        }
      }
      const index = q * numGallery + g;
      out[index] = shortestPathDistance(cost, h, 0, row);
      out[pairs + index] = diagonalSum(cost, h);
    }
  }
  return recomputed;
}

/** [n·h, c] stripes as their transpose [c, n·h]: the layout tfjs-wasm multiplies fastest. */
export function transposeStripes(data: Float32Array, rows: number, c: number): Float32Array {
  const out = new Float32Array(rows * c);
  for (let r = 0; r < rows; r++) {
    for (let k = 0; k < c; k++) out[k * rows + r] = data[r * c + k];
  }
  return out;
}
