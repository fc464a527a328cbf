/** AlignedReID distances: global, local (aligned and unaligned), fused, re-ranked; CPU, WGSL and tiled. */
export {
  type DistanceMatrix,
  type GlobalFeatures,
  globalFeatures,
  l2NormalizeRows,
  normalizeGlobal,
  normalizeStripes,
  type StripeFeatures,
  stripeFeatures,
} from './features';
export { type GlobalDistanceOptions, globalDistance } from './global-distance';
export { LOCAL_DISTANCE_KERNEL, localDistance, registerLocalDistance } from './local-distance-kernel';
export { type LocalDistances, localDistances, localDistanceValues } from './local-distance-reference';
export { localDistanceByTfOps } from './local-distance-tfops';
export {
  activeTileLimits,
  computeLocalDistances,
  DEFAULT_TILE_BYTES,
  type LocalDistanceMethod,
  planTiles,
  type TiledLocalDistanceOptions,
  type TilePlan,
} from './local-distance-tiled';
export { alignPair, type PairAlignment } from './pair-alignment';
export { RERANK_DEFAULTS, type ReRankOptions, reRank } from './re-ranking';
export { type AlignmentPath, diagonalSum, shortestPath, shortestPathDistance } from './shortest-path';
export { stripeDistanceFromEuclidean, stripeDistanceMatrix } from './stripe-distance';
export { totalDistance } from './total-distance';
