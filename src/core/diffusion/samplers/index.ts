/** The DDIM / DDPM samplers: `sample` runs one; the rest is for previews, tests and a future fused kernel. */
export { ddimCoefficients, ddpmCoefficients, type StepCoefficients } from './coefficients';
export { type GoldenDdimCase, goldenDdimCase } from './golden-case';
export {
  type EpsModel,
  type NoiseOverride,
  type SampleOptions,
  type SamplerSpec,
  type StepInfo,
  sample,
  samplerPlan,
} from './sample';
export { samplingTimes } from './times';
export { denoiseUpdate, type UpdateResult } from './update';
