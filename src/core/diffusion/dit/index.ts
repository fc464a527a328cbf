/** An unconditional DiT (facebookresearch/DiT, learn_sigma=False): config, presets, specs and the Denoiser. */
export {
  DIT_LIMITS,
  DIT_MNIST_SMALL,
  DIT_PRESETS,
  type DiTConfig,
  type DiTPresetId,
  ditGeometry,
  validateDiTConfig,
} from './config';
export { ditConfigFromJson, ditConfigToJson, MAX_DIT_PARAMS } from './config-json';
export { createDiT, DIT_TIME_SCALE, type DiTDenoiser, sincosPosEmbed } from './dit';
export { countDiTParams, ditSpecs, FREQUENCY_EMBEDDING_SIZE } from './specs';
