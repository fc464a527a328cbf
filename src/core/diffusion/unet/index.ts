/** The official DDAE UNet: config, presets, parameter specs and the Denoiser. */
export {
  DDPM_CIFAR10_35M,
  DDPMPP_CIFAR10_56M,
  MNIST_TINY_GOLDEN,
  UNET_LIMITS,
  UNET_PRESETS,
  type UNetConfig,
  type UNetPresetId,
  validateUNetConfig,
} from './config';
export { MAX_UNET_PARAMS, unetConfigFromJson, unetConfigToJson } from './config-json';
export { unetFlops } from './flops';
export type { ParamInit } from './params';
export { buildUNetPlan, type UNetPlan } from './plan';
export { countParams, unetSpecs } from './specs';
export { createUNet, type UNetDenoiser } from './unet';
