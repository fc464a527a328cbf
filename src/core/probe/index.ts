/** Linear, kNN and raw-pixel probes on a denoiser's features over a grid of timesteps × taps (DDAE). */
export {
  allFinite,
  allTapNames,
  type ExtractOptions,
  extractFeatures,
  noisyBatch,
  pixelFeatures,
  type TapFeatures,
  tapNames,
} from './features';
export {
  type FeatureExtractor,
  type GridCallbacks,
  type GridProgress,
  ProbeInputError,
  runProbeGrid,
} from './grid';
export { parseProbeGridJson } from './grid-json';
export {
  type CheckedProbeInput,
  checkProbeInput,
  chooseSubset,
  type ProbeData,
  parseTimesteps,
} from './input';
export { knnProbe, type Neighbours, nearestNeighbours, vote } from './knn';
export {
  confusionMatrix,
  cosineLr,
  type LabelledFeatures,
  ProbeDivergedError,
  permutation,
  standardizer,
  trainLinearProbe,
} from './linear-probe';
export { type Projection, pca2d, umap2d } from './projection';
export { gridCsv, markdownTable } from './report';
export * from './types';
