import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { relativeL2 } from '../../diffusion/unet/golden.fixtures';
import './matmul-wasm';

interface Case {
  a: number[];
  b: number[];
  transposeA: boolean;
  transposeB: boolean;
  /** tfjs' own BatchMatMul gradient rejects broadcast batch shapes, on every backend: compare outputs only. */
  forwardOnly?: boolean;
}

/** matMul and its gradients (w.r.t. both operands) on the named backend, concatenated. */
async function matMulWithGrads(backend: 'cpu' | 'wasm', c: Case, seed: number): Promise<Float32Array> {
  await switchBackend(backend);
  return tf.tidy(() => {
    const a = tf.randomNormal(c.a, 0, 1, 'float32', seed);
    const b = tf.randomNormal(c.b, 0, 1, 'float32', seed + 1);
    const f = (x: tf.Tensor, y: tf.Tensor) => tf.matMul(x, y, c.transposeA, c.transposeB);
    const out = f(a, b);
    if (c.forwardOnly) return out.dataSync() as Float32Array;
    const dy = tf.randomNormal(out.shape, 0, 1, 'float32', seed + 2);
    const [ga, gb] = tf.grads((x, y) => tf.sum(tf.mul(f(x, y), dy)))([a, b]);
    return tf.concat([out.flatten(), ga.flatten(), gb.flatten()]).dataSync() as Float32Array;
  });
}

describe('BatchMatMul on wasm as 1x1 convolutions', () => {
  afterAll(async () => switchBackend('cpu'));

  const cases: Case[] = [
    { a: [7, 5], b: [5, 3], transposeA: false, transposeB: false },
    { a: [5, 7], b: [5, 3], transposeA: true, transposeB: false },
    { a: [7, 5], b: [3, 5], transposeA: false, transposeB: true },
    { a: [4, 49, 16], b: [4, 16, 49], transposeA: false, transposeB: false }, // attention scores
    { a: [4, 49, 16], b: [4, 49, 16], transposeA: false, transposeB: true },
    { a: [2, 3, 9, 8], b: [2, 3, 8, 6], transposeA: false, transposeB: false }, // rank 4
    { a: [3, 10, 4], b: [1, 4, 6], transposeA: false, transposeB: false, forwardOnly: true }, // broadcast b
    { a: [1, 4, 10], b: [3, 4, 6], transposeA: true, transposeB: false, forwardOnly: true }, // broadcast a
    { a: [1, 1], b: [1, 1], transposeA: false, transposeB: false },
    // Distinct right operands large enough for one convolution per entry (≥ 2^18 multiply-adds each).
    { a: [3, 70, 64], b: [3, 64, 72], transposeA: false, transposeB: false },
    { a: [2, 2, 70, 64], b: [2, 2, 72, 64], transposeA: false, transposeB: true },
    { a: [3, 64, 70], b: [3, 64, 72], transposeA: true, transposeB: false },
  ];
  for (const c of cases) {
    it(`matches the cpu backend for ${c.a} x ${c.b} (tA ${c.transposeA}, tB ${c.transposeB})`, async () => {
      const expected = await matMulWithGrads('cpu', c, 3);
      const actual = await matMulWithGrads('wasm', c, 3);
      expect(actual.length).toBe(expected.length);
      expect(relativeL2(actual, expected)).toBeLessThan(1e-5);
    });
  }

  it('matches the cpu backend on random shapes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 20 }),
        fc.boolean(),
        fc.boolean(),
        async (batch, m, k, n, transposeA, transposeB) => {
          const c: Case = {
            a: transposeA ? [batch, k, m] : [batch, m, k],
            b: transposeB ? [batch, n, k] : [batch, k, n],
            transposeA,
            transposeB,
          };
          const expected = await matMulWithGrads('cpu', c, m + n);
          const actual = await matMulWithGrads('wasm', c, m + n);
          expect(relativeL2(actual, expected)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 25 },
    );
  });

  it('leaves no tensor or wasm buffer behind', async () => {
    await matMulWithGrads('wasm', cases[3], 1);
    await matMulWithGrads('wasm', cases[10], 1);
    const before = tf.memory();
    for (let i = 0; i < 5; i++) {
      await matMulWithGrads('wasm', cases[3], i);
      await matMulWithGrads('wasm', cases[10], i);
    }
    expect(tf.memory().numTensors).toBe(before.numTensors);
    expect(tf.memory().numDataBuffers).toBe(before.numDataBuffers);
  });
});
