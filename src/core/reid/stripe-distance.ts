/**
 * AlignedReID's element-wise stripe distance (paper Eq. 1): for stripes f and g at Euclidean distance
 * x = ‖f − g‖, d = (e^x − 1)/(e^x + 1). That equals tanh(x/2) and lies in [0, 1). The literal form is inf/inf
 * = NaN in float32 past x ≈ 88; here it is computed through expm1(−x), which is finite for every x ≥ 0
 * (Infinity included) and keeps full relative precision near 0.
 */
import { checkIndex, checkSameStripes, type StripeFeatures } from './features';

/** tanh(x/2) for a distance x ≥ 0: 0 at 0, → 1 as x grows, exactly 1 for x = Infinity. */
export function stripeDistanceFromEuclidean(x: number): number {
  const e = Math.expm1(-x); // e^−x − 1 in (−1, 0]
  return -e / (2 + e);
}

/**
 * The H×H matrix d[i][j] between stripe i of query image `qi` and stripe j of gallery image `gj`, row-major.
 * Differences are summed directly in float64: exact zeros for identical stripes, no overflow for any float32.
 */
export function stripeDistanceMatrix(
  query: StripeFeatures,
  qi: number,
  gallery: StripeFeatures,
  gj: number,
): Float32Array {
  checkSameStripes('stripeDistanceMatrix', query, gallery);
  checkIndex('query', qi, query.count);
  checkIndex('gallery', gj, gallery.count);
  const h = query.stripes;
  const c = query.channels;
  const out = new Float32Array(h * h);
  for (let i = 0; i < h; i++) {
    const f = (qi * h + i) * c;
    for (let j = 0; j < h; j++) {
      const g = (gj * h + j) * c;
      let sum = 0;
      for (let k = 0; k < c; k++) {
        const diff = query.data[f + k] - gallery.data[g + k];
        sum += diff * diff;
      }
      out[i * h + j] = stripeDistanceFromEuclidean(Math.sqrt(sum));
    }
  }
  return out;
}
