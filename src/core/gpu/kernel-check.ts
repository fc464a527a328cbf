/**
 * An in-app self-test: every custom kernel, run through tfjs on the active backend, against its CPU
 * reference on fresh random inputs. On webgpu this checks the WGSL on the user's own GPU; elsewhere the
 * kernel is the reference, so the check confirms the registration path.
 */
import * as tf from '@tensorflow/tfjs';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import { groupNorm } from './kernels/group-norm';
import { errorStats, type Nhwc, randomInputs } from './kernels/group-norm.fixtures';
import { groupNormReference } from './kernels/group-norm-reference';

export interface KernelCheck {
  kernel: string;
  shape: number[];
  groups: number;
  silu: boolean;
  backend: string;
  /** max |kernel - reference| / max |reference| over the output. */
  maxRelError: number;
}

/** Shapes the DDAE UNets use, plus awkward ones: one-channel groups, a single group, odd sizes. */
const CASES: { shape: Nhwc; groups: number; silu: boolean }[] = [
  { shape: [2, 28, 28, 32], groups: 32, silu: true },
  { shape: [1, 14, 14, 64], groups: 32, silu: false },
  { shape: [3, 7, 9, 24], groups: 24, silu: true },
  { shape: [2, 5, 5, 12], groups: 1, silu: false },
  { shape: [1, 8, 8, 96], groups: 8, silu: true },
];

export async function checkCustomKernels({ signal, onProgress }: JobControl = {}): Promise<KernelCheck[]> {
  const results: KernelCheck[] = [];
  const seed = (Date.now() & 0x7fffffff) >>> 0;
  for (const [i, { shape, groups, silu }] of CASES.entries()) {
    throwIfCancelled(signal);
    const inputs = randomInputs(shape, seed + i);
    const eps = 1e-5;
    const y = tf.tidy(() =>
      groupNorm(tf.tensor4d(inputs.x, shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta), {
        groups,
        eps,
        silu,
      }),
    );
    const actual = await y.data();
    y.dispose();
    const expected = groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, { groups, eps, silu });
    results.push({
      kernel: 'GroupNorm',
      shape,
      groups,
      silu,
      backend: tf.getBackend(),
      maxRelError: errorStats(actual, expected).relative,
    });
    onProgress?.(i + 1, CASES.length);
    await yieldToEventLoop();
  }
  return results;
}
