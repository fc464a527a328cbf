/**
 * Everything the side-by-side view draws for one (query, gallery) pair: the H×H stripe distances, the
 * shortest path through them, and the aligned and unaligned local distances.
 */
import type { StripeFeatures } from './features';
import { type AlignmentPath, diagonalSum, shortestPath } from './shortest-path';
import { stripeDistanceMatrix } from './stripe-distance';

export interface PairAlignment extends AlignmentPath {
  /** H, the number of stripes per image. */
  readonly stripes: number;
  /** The H×H stripe distances, row-major (row = query stripe). */
  readonly matrix: Float32Array;
  /** Σ d[i][i]: the local distance without alignment. */
  readonly unaligned: number;
}

/** The stripe matrix and optimal path of query `qi` against gallery `gj`; `distance` is the local distance. */
export function alignPair(
  query: StripeFeatures,
  qi: number,
  gallery: StripeFeatures,
  gj: number,
): PairAlignment {
  const matrix = stripeDistanceMatrix(query, qi, gallery, gj);
  const h = query.stripes;
  return { ...shortestPath(matrix, h), stripes: h, matrix, unaligned: diagonalSum(matrix, h) };
}
