/**
 * The GroupNorm op: when the fused kernel runs. `groupNorm(x, gamma, beta, options)` validates its arguments,
 * registers the kernel on first use (WGSL on webgpu; WebAssembly SIMD or the CPU reference elsewhere; its
 * gradient, fused on the cpu and wasm backends) and runs it through the tfjs engine, so `tf.tidy` tracks the
 * result and `tf.grad` differentiates it.
 */
import * as tf from '@tensorflow/tfjs';
import { type CustomKernelSpec, registerCustomKernel } from './custom-kernel';
import { groupNormGradConfig, registerGroupNormGradKernel } from './group-norm-grad';
import { GroupNormProgram } from './group-norm-program';
import { type GroupNormAttrs, groupNormReference } from './group-norm-reference';
import { groupNormSimd, groupNormSimdFits } from './group-norm-wasm';

export const GROUP_NORM_KERNEL = 'DdaeGroupNorm';

export interface GroupNormOptions {
  /** Number of channel groups; must divide the channel count (PyTorch's num_groups). */
  readonly groups: number;
  /** Added to the variance; PyTorch's default 1e-5. */
  readonly eps?: number;
  /** Apply SiLU (x * sigmoid(x)) after the affine transform, fused into the same kernel. */
  readonly silu?: boolean;
}

const groupNormSpec: CustomKernelSpec<GroupNormAttrs> = {
  kernelName: GROUP_NORM_KERNEL,
  inputNames: ['x', 'gamma', 'beta'],
  webgpuProgram([x], { groups, eps, silu }, limits) {
    return {
      program: new GroupNormProgram(x.shape, groups, silu, limits.maxComputeWorkgroupsPerDimension),
      uniforms: GroupNormProgram.uniformValues(groups, eps),
    };
  },
  reference([x, gamma, beta], attrs) {
    const [n, h, w, c] = x.shape;
    return {
      shape: x.shape,
      values: groupNormReference(x.values, [n, h, w, c], gamma.values, beta.values, attrs),
    };
  },
  host: {
    available: () => groupNormSimdFits([1, 1, 1, 4]),
    run([x, gamma, beta], attrs) {
      const [n, h, w, c] = x.shape;
      const values = groupNormSimd(x.values, [n, h, w, c], gamma.values, beta.values, attrs);
      return values && { shape: x.shape, values };
    },
  },
};

let registered = false;

/** Registers the GroupNorm kernel for all backends and its gradient. Idempotent; groupNorm calls it. */
export function registerGroupNorm(): void {
  if (registered) return;
  registerCustomKernel(groupNormSpec);
  registerGroupNormGradKernel();
  if (!tf.getGradient(GROUP_NORM_KERNEL)) tf.registerGradient(groupNormGradConfig(GROUP_NORM_KERNEL));
  registered = true;
}

/**
 * PyTorch's `GroupNorm(groups, C, eps)` (then SiLU if `silu`) on NHWC `x` [N, H, W, C] with per-channel
 * `gamma` and `beta` [C]. Throws on invalid arguments.
 */
export function groupNorm(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  options: GroupNormOptions,
): tf.Tensor4D {
  const attrs: GroupNormAttrs = {
    groups: options.groups,
    eps: options.eps ?? 1e-5,
    silu: options.silu ?? false,
  };
  validate(x, gamma, beta, attrs);
  registerGroupNorm();
  return tf.engine().runKernel<tf.Tensor4D>(GROUP_NORM_KERNEL, { x, gamma, beta }, attrs);
}

function validate(x: tf.Tensor, gamma: tf.Tensor, beta: tf.Tensor, { groups, eps }: GroupNormAttrs): void {
  const fail = (message: string): never => {
    throw new Error(`groupNorm: ${message}`);
  };
  if (x.rank !== 4) fail(`x must be rank 4 (NHWC), got shape [${x.shape}]`);
  if (x.dtype !== 'float32') fail(`x must be float32, got ${x.dtype}`);
  const channels = (x.shape as number[])[3]; // rank checked above
  if (!Number.isInteger(groups) || groups < 1) fail(`groups must be a positive integer, got ${groups}`);
  if (channels % groups !== 0) {
    fail(`the channel count C=${channels} is not divisible by groups=${groups}`);
  }
  for (const [name, t] of [
    ['gamma', gamma],
    ['beta', beta],
  ] as const) {
    if (t.rank !== 1 || t.shape[0] !== channels) {
      fail(`${name} must have shape [${channels}], got [${t.shape}]`);
    }
    if (t.dtype !== 'float32') fail(`${name} must be float32, got ${t.dtype}`);
  }
  if (!Number.isFinite(eps) || eps < 0) fail(`eps must be a finite number >= 0, got ${eps}`);
}
