/**
 * The WGSL GroupNorm on tfjs's WebGPU backend (Dawn on SwiftShader in Node) against the CPU reference.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startNodeWebGPU } from '../../../../scripts/lib/node-webgpu';
import { customKernelPath } from './custom-kernel';
import { GROUP_NORM_KERNEL, groupNorm, registerGroupNorm } from './group-norm';
import {
  type ErrorStats,
  errorStats,
  groupNormByTfOps,
  type Nhwc,
  randomInputs,
} from './group-norm.fixtures';
import { GroupNormProgram } from './group-norm-program';
import { type GroupNormAttrs, groupNormReference } from './group-norm-reference';

const TOLERANCE = 1e-5;

interface Case {
  readonly shape: Nhwc;
  readonly groups: number;
  readonly eps: number;
  readonly silu: boolean;
}

const CASES: readonly Case[] = [
  { shape: [1, 7, 7, 24], groups: 8, eps: 1e-5, silu: false },
  { shape: [1, 7, 7, 24], groups: 8, eps: 1e-6, silu: true },
  { shape: [2, 3, 4, 3], groups: 3, eps: 1e-5, silu: true }, // one channel per group
  { shape: [1, 5, 5, 16], groups: 16, eps: 1e-6, silu: false }, // one channel per group
  { shape: [2, 6, 5, 12], groups: 1, eps: 1e-5, silu: false }, // a single group
  { shape: [1, 16, 16, 32], groups: 1, eps: 1e-6, silu: true }, // one 8192-element slice: 256 threads
  { shape: [3, 5, 9, 64], groups: 32, eps: 1e-5, silu: true },
  { shape: [1, 32, 32, 16], groups: 4, eps: 1e-5, silu: false }, // 4096-element slices: 256 threads
  { shape: [2, 28, 28, 64], groups: 32, eps: 1e-5, silu: true },
  { shape: [1, 8, 8, 96], groups: 32, eps: 1e-6, silu: false },
  { shape: [4, 1, 1, 32], groups: 8, eps: 1e-5, silu: true }, // fewer elements than threads
];

/** Runs groupNorm on the active backend and the reference on the same inputs. */
async function compare(c: Case, seed: number): Promise<ErrorStats> {
  const inputs = randomInputs(c.shape, seed);
  const attrs: GroupNormAttrs = { groups: c.groups, eps: c.eps, silu: c.silu };
  const y = tf.tidy(() =>
    groupNorm(tf.tensor4d(inputs.x, c.shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta), attrs),
  );
  const actual = await y.data();
  y.dispose();
  return errorStats(actual, groupNormReference(inputs.x, c.shape, inputs.gamma, inputs.beta, attrs));
}

const label = (c: Case) => `[${c.shape}] G=${c.groups} eps=${c.eps} silu=${c.silu}`;

describe('GroupNorm WGSL on webgpu', () => {
  const worst = { relative: 0, elementwise: 0, maxAbs: 0 };
  const record = (stats: ErrorStats) => {
    worst.relative = Math.max(worst.relative, stats.relative);
    worst.elementwise = Math.max(worst.elementwise, stats.elementwise);
    worst.maxAbs = Math.max(worst.maxAbs, stats.maxAbs);
  };

  beforeAll(async () => {
    await startNodeWebGPU();
  });

  afterAll(() => {
    console.log(
      `GroupNorm WGSL vs reference, worst over all webgpu cases: relative ${worst.relative.toExponential(2)} ` +
        `(max|a-b| / max|ref|), elementwise ${worst.elementwise.toExponential(2)}, ` +
        `max|a-b| ${worst.maxAbs.toExponential(2)}`,
    );
  });

  it('runs the WGSL path on webgpu', () => {
    registerGroupNorm();
    expect(tf.getBackend()).toBe('webgpu');
    expect(customKernelPath(GROUP_NORM_KERNEL)).toBe('wgsl');
  });

  it.each(CASES.map((c, i) => [label(c), c, i] as const))('matches the reference: %s', async (_, c, i) => {
    const stats = await compare(c, 1000 + i);
    record(stats);
    expect(stats.relative, JSON.stringify(stats)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('bakes SiLU into the shaderKey: silu on, off, on again on one shape, then other shapes', async () => {
    const shape: Nhwc = [1, 4, 4, 8];
    for (const [i, silu] of [true, false, true, false].entries()) {
      const stats = await compare({ shape, groups: 2, eps: 1e-5, silu }, 2000 + i);
      record(stats);
      expect(stats.relative, `silu=${silu}`).toBeLessThanOrEqual(TOLERANCE);
    }
    for (const [i, c] of [
      { shape: [2, 3, 3, 6] as Nhwc, groups: 3, eps: 1e-5, silu: false },
      { shape: [1, 9, 2, 4] as Nhwc, groups: 2, eps: 1e-6, silu: true },
    ].entries()) {
      const stats = await compare(c, 2100 + i);
      record(stats);
      expect(stats.relative, label(c)).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('spreads slices over y when they exceed the per-dimension dispatch limit', async () => {
    // A small limit stands in for the device's 65535, which would need 65536+ slices to reach.
    const shape: Nhwc = [7, 3, 2, 8];
    const attrs: GroupNormAttrs = { groups: 4, eps: 1e-5, silu: true };
    const program = new GroupNormProgram(shape, attrs.groups, attrs.silu, 6);
    expect(program.dispatch).toEqual([6, 5, 1]); // 28 slices: 2 spare workgroups
    const inputs = randomInputs(shape, 3000);
    const backend = tf.backend() as WebGPUBackend;
    const [x, gamma, beta] = [
      tf.tensor4d(inputs.x, shape),
      tf.tensor1d(inputs.gamma),
      tf.tensor1d(inputs.beta),
    ];
    const info = backend.runWebGPUProgram(
      program,
      [x, gamma, beta],
      'float32',
      GroupNormProgram.uniformValues(attrs.groups, attrs.eps),
    );
    const y = tf.engine().makeTensorFromTensorInfo(info);
    const stats = errorStats(
      await y.data(),
      groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, attrs),
    );
    tf.dispose([x, gamma, beta, y]);
    record(stats);
    expect(stats.relative).toBeLessThanOrEqual(TOLERANCE);
  });

  it('differentiates like the tf-ops composition on webgpu', async () => {
    const shape: Nhwc = [2, 4, 4, 8];
    const attrs: GroupNormAttrs = { groups: 4, eps: 1e-5, silu: true };
    const inputs = randomInputs(shape, 5000);
    const x = tf.tensor4d(inputs.x, shape);
    const gamma = tf.tensor1d(inputs.gamma);
    const beta = tf.tensor1d(inputs.beta);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 11);
    const grads = (f: (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor) =>
      tf.grads((a, b, c) => f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D))([x, gamma, beta], dy);
    const fused = grads((a, b, c) => groupNorm(a, b, c, attrs));
    const composed = grads((a, b, c) => groupNormByTfOps(a, b, c, attrs));
    for (const [i, name] of ['x', 'gamma', 'beta'].entries()) {
      const stats = errorStats(await fused[i].data(), await composed[i].data());
      expect(stats.relative, `d${name}: ${JSON.stringify(stats)}`).toBeLessThan(1e-4);
    }
    tf.dispose([x, gamma, beta, dy, ...fused, ...composed]);
  });

  it('leaks no tensors over 50 calls inside tf.tidy', async () => {
    const inputs = randomInputs([1, 6, 6, 16], 4000);
    const x = tf.tensor4d(inputs.x, inputs.shape);
    const gamma = tf.tensor1d(inputs.gamma);
    const beta = tf.tensor1d(inputs.beta);
    groupNorm(x, gamma, beta, { groups: 4 }).dispose(); // warm-up: pipeline compiled outside the count
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      tf.tidy(() => {
        groupNorm(x, gamma, beta, { groups: 4, silu: i % 2 === 0 });
      });
    }
    const kept = tf.tidy(() => groupNorm(x, gamma, beta, { groups: 4 }));
    await kept.data();
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });
});
