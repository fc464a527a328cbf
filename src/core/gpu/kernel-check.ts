/**
 * An in-app self-test: every custom kernel, run through tfjs on the active backend, against its CPU
 * reference on fresh random inputs: GroupNorm's forward pass and its gradient. On webgpu this checks the
 * WGSL (and the tf-ops gradient) on the user's own GPU; on cpu and wasm the WebAssembly SIMD kernels (or
 * the reference itself where SIMD is missing).
 */
import * as tf from '@tensorflow/tfjs';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import { customKernelPath } from './kernels/custom-kernel';
import { GROUP_NORM_KERNEL, groupNorm } from './kernels/group-norm';
import { errorStats, type Nhwc, randomInputs, seededNormal } from './kernels/group-norm.fixtures';
import { GROUP_NORM_GRAD_KERNEL } from './kernels/group-norm-grad';
import { groupNormGradReference } from './kernels/group-norm-grad-reference';
import { groupNormReference } from './kernels/group-norm-reference';
import { groupNormSimdFits } from './kernels/group-norm-wasm';

export interface KernelCheck {
  kernel: 'GroupNorm' | 'GroupNorm gradient';
  shape: number[];
  groups: number;
  silu: boolean;
  backend: string;
  /** The implementation that ran: 'wgsl', 'wasm-simd', 'cpu-reference', or 'tf-ops' (a composed gradient). */
  path: string;
  /** max |kernel - reference| / max |reference| over the output (the worst of dx, dγ, dβ for a gradient). */
  maxRelError: number;
  /** The largest error this check accepts: float32 against the reference's float64 sums. */
  tolerance: number;
}

/** Shapes the DDAE UNets use, plus awkward ones: one-channel groups, a single group, odd sizes. */
const CASES: { shape: Nhwc; groups: number; silu: boolean }[] = [
  { shape: [2, 28, 28, 32], groups: 32, silu: true },
  { shape: [1, 14, 14, 64], groups: 32, silu: false },
  { shape: [3, 7, 9, 24], groups: 24, silu: true },
  { shape: [2, 5, 5, 12], groups: 1, silu: false },
  { shape: [1, 8, 8, 96], groups: 8, silu: true },
];

/** Gradient cases: a UNet block's norm, and a channel count off the SIMD kernel's multiple of 4. */
const GRAD_CASES: { shape: Nhwc; groups: number; silu: boolean }[] = [
  { shape: [2, 14, 14, 64], groups: 32, silu: true },
  { shape: [2, 6, 5, 6], groups: 3, silu: false },
];

async function checkForward(shape: Nhwc, groups: number, silu: boolean, seed: number): Promise<KernelCheck> {
  const inputs = randomInputs(shape, seed);
  const attrs = { groups, eps: 1e-5, silu };
  const y = tf.tidy(() =>
    groupNorm(tf.tensor4d(inputs.x, shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta), attrs),
  );
  const actual = await y.data();
  y.dispose();
  const expected = groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, attrs);
  const path = customKernelPath(GROUP_NORM_KERNEL);
  return {
    kernel: 'GroupNorm',
    shape,
    groups,
    silu,
    backend: tf.getBackend(),
    path: path === 'wasm-simd' && !groupNormSimdFits(shape) ? 'cpu-reference' : path,
    maxRelError: errorStats(actual, expected).relative,
    tolerance: 1e-5,
  };
}

async function checkGradient(shape: Nhwc, groups: number, silu: boolean, seed: number): Promise<KernelCheck> {
  const inputs = randomInputs(shape, seed);
  const normal = seededNormal(seed + 1);
  const dy = Float32Array.from({ length: inputs.x.length }, normal);
  const attrs = { groups, eps: 1e-5, silu };
  const grads = tf.tidy(() =>
    tf.grads((x, gamma, beta) =>
      groupNorm(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, attrs),
    )(
      [tf.tensor4d(inputs.x, shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta)],
      tf.tensor4d(dy, shape),
    ),
  );
  const actual = (await Promise.all(grads.map((g) => g.data()))) as Float32Array[];
  tf.dispose(grads);
  const expected = groupNormGradReference(inputs.x, dy, shape, inputs.gamma, inputs.beta, attrs);
  const fused = tf.getKernel(GROUP_NORM_GRAD_KERNEL, tf.getBackend()) !== undefined;
  const simd = fused && customKernelPath(GROUP_NORM_KERNEL) === 'wasm-simd' && groupNormSimdFits(shape);
  return {
    kernel: 'GroupNorm gradient',
    shape,
    groups,
    silu,
    backend: tf.getBackend(),
    path: fused ? (simd ? 'wasm-simd' : 'cpu-reference') : 'tf-ops',
    maxRelError: Math.max(
      errorStats(actual[0], expected.dx).relative,
      errorStats(actual[1], expected.dgamma).relative,
      errorStats(actual[2], expected.dbeta).relative,
    ),
    // Per-channel sums over every pixel of every sample, in float32 on the GPU.
    tolerance: 1e-4,
  };
}

export async function checkCustomKernels({ signal, onProgress }: JobControl = {}): Promise<KernelCheck[]> {
  const results: KernelCheck[] = [];
  const seed = (Date.now() & 0x7fffffff) >>> 0;
  const jobs = [
    ...CASES.map((c) => () => checkForward(c.shape, c.groups, c.silu, seed + results.length)),
    ...GRAD_CASES.map((c) => () => checkGradient(c.shape, c.groups, c.silu, seed + results.length)),
  ];
  for (const job of jobs) {
    throwIfCancelled(signal);
    results.push(await job());
    onProgress?.(results.length, jobs.length);
    await yieldToEventLoop();
  }
  return results;
}
