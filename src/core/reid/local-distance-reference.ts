/**
 * The aligned and unaligned local distances of every query × gallery pair on the CPU: the reference the WGSL
 * kernel is tested against and the path every non-WebGPU backend runs.
 *
 * Stripe distances come from ‖f‖² + ‖g‖² − 2 f·g with float64 sums (exact zeros for identical stripes, no
 * overflow for any float32 input), clamped at 0 before the square root. Gallery images are taken in blocks
 * whose stripes stay in cache while each query's H stripes pass over them; per pair the H×H matrix goes
 * through the transform and the row-by-row shortest path in preallocated scratch arrays.
 */
import { checkComparable, type DistanceMatrix, type StripeFeatures } from './features';
import { gramBlock, squaredNorms } from './gram';
import { diagonalSum, shortestPathDistance } from './shortest-path';
import { stripeDistanceFromEuclidean } from './stripe-distance';

export interface LocalDistances {
  /** S[H−1][H−1]: the shortest-path (aligned) local distance. */
  readonly aligned: DistanceMatrix;
  /** Σ d[i][i]: the unaligned baseline. */
  readonly unaligned: DistanceMatrix;
}

/**
 * Gallery images per block: 64 images × H=8 × c=128 floats = 256 KiB stay in L2 while every query passes.
 * Each pair's own 2 × H × c floats (8 KiB) then sit in L1; a Gram block wider than one gallery image was
 * 2-3× slower here because it no longer fits in L1.
 */
const GALLERY_BLOCK = 64;

/**
 * Local distances of `numQuery` × `numGallery` images with `h` stripes of `c` channels (row-major float32),
 * written to `out` as [2, numQuery, numGallery]: plane 0 aligned, plane 1 unaligned.
 */
export function localDistanceValues(
  query: Float32Array,
  numQuery: number,
  gallery: Float32Array,
  numGallery: number,
  h: number,
  c: number,
  out: Float32Array = new Float32Array(2 * numQuery * numGallery),
): Float32Array {
  const pairs = numQuery * numGallery;
  const qNorms = squaredNorms(query, c);
  const gNorms = squaredNorms(gallery, c);
  const gram = new Float64Array(h * h);
  const cost = new Float64Array(h * h);
  const row = new Float64Array(h);
  const stride = h * c;
  for (let g0 = 0; g0 < numGallery; g0 += GALLERY_BLOCK) {
    const g1 = Math.min(numGallery, g0 + GALLERY_BLOCK);
    for (let q = 0; q < numQuery; q++) {
      for (let g = g0; g < g1; g++) {
        gramBlock(query, q * stride, h, gallery, g * stride, h, c, gram);
        for (let i = 0; i < h; i++) {
          const qNorm = qNorms[q * h + i];
          for (let j = 0; j < h; j++) {
            const squared = qNorm + gNorms[g * h + j] - 2 * gram[i * h + j];
            cost[i * h + j] = squared > 0 ? stripeDistanceFromEuclidean(Math.sqrt(squared)) : 0;
          }
        }
        const index = q * numGallery + g;
        out[index] = shortestPathDistance(cost, h, 0, row);
        out[pairs + index] = diagonalSum(cost, h);
      }
    }
  }
  return out;
}

/** The aligned and unaligned local distance matrices of every query × gallery pair, on the CPU. */
export function localDistances(query: StripeFeatures, gallery: StripeFeatures): LocalDistances {
  checkComparable('localDistances', query, gallery);
  const values = localDistanceValues(
    query.data,
    query.count,
    gallery.data,
    gallery.count,
    query.stripes,
    query.channels,
  );
  const pairs = query.count * gallery.count;
  return {
    aligned: { rows: query.count, cols: gallery.count, data: values.subarray(0, pairs) },
    unaligned: { rows: query.count, cols: gallery.count, data: values.subarray(pairs) },
  };
}
