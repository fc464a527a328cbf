/**
 * GroupNorm's CPU reference (by hand and against a tf-ops composition), the op on the cpu and wasm backends,
 * argument validation, registration and the gradient. The WGSL kernel is tested in group-norm.webgpu.test.ts.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { customKernelPath, REFERENCE_BACKENDS, registerCustomKernel } from './custom-kernel';
import { GROUP_NORM_KERNEL, groupNorm, registerGroupNorm } from './group-norm';
import { errorStats, groupNormByTfOps, type Nhwc, randomInputs } from './group-norm.fixtures';
import { type GroupNormAttrs, groupNormReference } from './group-norm-reference';
import { groupNormSimd } from './group-norm-wasm';

const SHAPES: readonly { shape: Nhwc; groups: number }[] = [
  { shape: [1, 7, 7, 24], groups: 8 },
  { shape: [2, 3, 4, 3], groups: 3 },
  { shape: [2, 6, 5, 12], groups: 1 },
  { shape: [3, 5, 9, 64], groups: 32 },
];

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('groupNormReference', () => {
  it('matches a hand-computed case (N=1, H=1, W=2, C=2, G=1)', () => {
    // mean 2.5, biased variance (2.25 + 0.25 + 0.25 + 2.25) / 4 = 1.25, so x̂ = (x - 2.5) / sqrt(1.25).
    const s = 1 / Math.sqrt(1.25);
    const attrs: GroupNormAttrs = { groups: 1, eps: 0, silu: false };
    const y = groupNormReference(
      new Float32Array([1, 2, 3, 4]),
      [1, 1, 2, 2],
      new Float32Array([1, 2]),
      new Float32Array([0, 1]),
      attrs,
    );
    const expected = [-1.5 * s, -0.5 * s * 2 + 1, 0.5 * s, 1.5 * s * 2 + 1];
    expected.forEach((e, i) => {
      expect(y[i]).toBeCloseTo(e, 6);
    });
    const silu = groupNormReference(
      new Float32Array([1, 2, 3, 4]),
      [1, 1, 2, 2],
      new Float32Array([1, 2]),
      new Float32Array([0, 1]),
      { ...attrs, silu: true },
    );
    expected.forEach((e, i) => {
      expect(silu[i]).toBeCloseTo(e / (1 + Math.exp(-e)), 6);
    });
  });

  it.each(SHAPES.flatMap(({ shape, groups }) => [true, false].map((silu) => [shape, groups, silu] as const)))(
    'agrees with a tf.moments composition on cpu: [%s] G=%i silu=%s',
    async (shape, groups, silu) => {
      const inputs = randomInputs(shape, 7 + groups);
      const attrs: GroupNormAttrs = { groups, eps: 1e-5, silu };
      const composed = tf.tidy(() =>
        groupNormByTfOps(
          tf.tensor4d(inputs.x, shape),
          tf.tensor1d(inputs.gamma),
          tf.tensor1d(inputs.beta),
          attrs,
        ),
      );
      const stats = errorStats(
        await composed.data(),
        groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, attrs),
      );
      composed.dispose();
      // The composition computes in float32 throughout; the reference accumulates in float64.
      expect(stats.relative, JSON.stringify(stats)).toBeLessThan(1e-5);
    },
  );
});

describe.each(['cpu', 'wasm'])('groupNorm on %s', (backendName) => {
  beforeAll(async () => {
    expect(await tf.setBackend(backendName)).toBe(true);
  });
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('runs the SIMD kernel where C % 4 == 0 and the CPU reference elsewhere', async () => {
    for (const [i, { shape, groups }] of SHAPES.entries()) {
      const inputs = randomInputs(shape, 100 + i);
      const attrs: GroupNormAttrs = { groups, eps: 1e-6, silu: i % 2 === 0 };
      const y = tf.tidy(() =>
        groupNorm(tf.tensor4d(inputs.x, shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta), attrs),
      );
      expect(y.shape).toEqual(shape);
      const reference = groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, attrs);
      const simd = groupNormSimd(inputs.x, shape, inputs.gamma, inputs.beta, attrs);
      expect(simd === null).toBe(shape[3] % 4 !== 0);
      expect(await y.data()).toEqual(simd ?? reference);
      expect(errorStats(await y.data(), reference).relative).toBeLessThan(1e-5);
      y.dispose();
    }
    expect(customKernelPath(GROUP_NORM_KERNEL)).toBe('wasm-simd');
  });

  it('leaks no tensors inside tf.tidy', () => {
    const x = tf.randomNormal<tf.Rank.R4>([1, 4, 4, 8]);
    const gamma = tf.ones<tf.Rank.R1>([8]);
    const beta = tf.zeros<tf.Rank.R1>([8]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) {
      tf.tidy(() => {
        groupNorm(x, gamma, beta, { groups: 2, silu: true }).sum();
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, gamma, beta]);
  });
});

describe('groupNorm arguments', () => {
  const withTensors = (check: (x: tf.Tensor4D, c6: tf.Tensor1D) => void) => {
    tf.tidy(() => check(tf.zeros<tf.Rank.R4>([1, 2, 2, 6]), tf.ones<tf.Rank.R1>([6])));
  };

  it('rejects a channel count not divisible by groups, naming both', () => {
    withTensors((x, c6) => {
      expect(() => groupNorm(x, c6, c6, { groups: 4 })).toThrow(/C=6 .*groups=4/);
    });
  });

  it('rejects wrong ranks, dtypes, affine shapes, groups and eps', () => {
    // Casts stand in for untyped callers (the worker receives shapes at run time).
    const untyped = (t: tf.Tensor) => t as tf.Tensor4D & tf.Tensor1D;
    withTensors((x, c6) => {
      expect(() => groupNorm(untyped(tf.zeros([2, 6])), c6, c6, { groups: 1 })).toThrow(/rank 4/);
      expect(() => groupNorm(untyped(tf.zeros([1, 1, 1, 6], 'int32')), c6, c6, { groups: 1 })).toThrow(
        /x must be float32/,
      );
      expect(() => groupNorm(x, tf.ones([5]), c6, { groups: 1 })).toThrow(/gamma must have shape \[6\]/);
      expect(() => groupNorm(x, c6, untyped(tf.ones([1, 6])), { groups: 1 })).toThrow(
        /beta must have shape \[6\]/,
      );
      expect(() => groupNorm(x, c6, c6, { groups: 0 })).toThrow(/positive integer/);
      expect(() => groupNorm(x, c6, c6, { groups: 1.5 })).toThrow(/positive integer/);
      expect(() => groupNorm(x, c6, c6, { groups: 1, eps: -1 })).toThrow(/eps/);
    });
  });
});

describe('registration', () => {
  it('registers for webgpu and every reference backend, and twice without throwing', () => {
    registerGroupNorm();
    registerGroupNorm();
    expect(() =>
      registerCustomKernel({
        kernelName: GROUP_NORM_KERNEL,
        inputNames: ['x'],
        webgpuProgram: () => {
          throw new Error('unused');
        },
        reference: ([x]) => x,
      }),
    ).not.toThrow();
    for (const backendName of ['webgpu', ...REFERENCE_BACKENDS]) {
      expect(tf.getKernel(GROUP_NORM_KERNEL, backendName), backendName).toBeDefined();
    }
    expect(customKernelPath(GROUP_NORM_KERNEL, 'webgpu')).toBe('wgsl');
    // webgl reads the tensors back to the host, where the SIMD kernel runs (the reference where it is missing).
    expect(customKernelPath(GROUP_NORM_KERNEL, 'webgl')).toBe('wasm-simd');
    expect(customKernelPath('NoSuchKernel', 'cpu')).toBe('unregistered');
  });
});

describe('groupNorm gradient', () => {
  it.each([
    [[2, 3, 4, 6] as Nhwc, 3, false],
    [[2, 3, 4, 6] as Nhwc, 3, true],
    [[1, 5, 5, 8] as Nhwc, 1, true],
    [[1, 2, 3, 4] as Nhwc, 4, false],
  ])('matches autodiff of the tf-ops composition on cpu: [%s] G=%i silu=%s', async (shape, groups, silu) => {
    const inputs = randomInputs(shape, 500 + groups);
    const x = tf.tensor4d(inputs.x, shape);
    const gamma = tf.tensor1d(inputs.gamma);
    const beta = tf.tensor1d(inputs.beta);
    const dy = tf.randomNormal(shape, 0, 1, 'float32', 9);
    const attrs: GroupNormAttrs = { groups, eps: 1e-5, silu };
    const grads = (f: (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D) => tf.Tensor) =>
      tf.grads((a, b, c) => f(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D))([x, gamma, beta], dy);
    const before = tf.memory().numTensors;
    const fused = grads((a, b, c) => groupNorm(a, b, c, attrs));
    const composed = grads((a, b, c) => groupNormByTfOps(a, b, c, attrs));
    expect(tf.memory().numTensors).toBe(before + 6); // only the six gradients survive
    for (const [i, name] of ['x', 'gamma', 'beta'].entries()) {
      const stats = errorStats(await fused[i].data(), await composed[i].data());
      expect(stats.relative, `d${name}: ${JSON.stringify(stats)}`).toBeLessThan(1e-4);
    }
    tf.dispose([x, gamma, beta, dy, ...fused, ...composed]);
  });
});
