import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import './conv2d-backprop-wasm';

type Case = {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid' | number;
};

/** dL/dW and dL/dx of sum(conv(x, w) * dy), by tf.grads on the named backend, concatenated. */
async function convGrads(backend: 'cpu' | 'wasm', c: Case, seed: number): Promise<Float32Array> {
  await switchBackend(backend);
  return tf.tidy(() => {
    const x = tf.randomNormal(c.x, 0, 1, 'float32', seed) as tf.Tensor4D;
    const w = tf.randomNormal(c.filter, 0, 1, 'float32', seed + 1) as tf.Tensor4D;
    const out = tf.conv2d(x, w, c.stride, c.pad);
    const dy = tf.randomNormal(out.shape, 0, 1, 'float32', seed + 2);
    const [gx, gw] = tf.grads((xs, ws) =>
      tf.sum(tf.mul(tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad), dy)),
    )([x, w]);
    return tf.concat([gw.flatten(), gx.flatten()]).dataSync() as Float32Array;
  });
}

function relativeL2(a: Float32Array, b: Float32Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

describe('Conv2DBackpropFilter and Conv2DBackpropInput on wasm', () => {
  afterAll(async () => switchBackend('cpu'));

  const cases: Case[] = [
    { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same' },
    { x: [2, 9, 7, 4], filter: [3, 3, 4, 6], stride: 2, pad: 1 }, // PyTorch-style symmetric padding, odd size
    { x: [3, 28, 28, 32], filter: [3, 3, 32, 32], stride: 1, pad: 1 },
    { x: [1, 6, 6, 8], filter: [1, 1, 8, 4], stride: 1, pad: 'valid' },
    { x: [2, 10, 10, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'valid' },
    { x: [2, 8, 8, 4], filter: [3, 3, 4, 4], stride: 2, pad: 'same' }, // tfjs 'same' pads bottom/right
  ];
  for (const c of cases) {
    it(`matches the cpu gradients for x ${c.x}, filter ${c.filter}, stride ${c.stride}, pad ${c.pad}`, async () => {
      const expected = await convGrads('cpu', c, 7);
      const actual = await convGrads('wasm', c, 7);
      expect(actual.length).toBe(expected.length);
      expect(relativeL2(actual, expected)).toBeLessThan(1e-5);
    });
  }

  it('matches the cpu gradient on random shapes (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 3, max: 9 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom(1, 3),
        fc.constantFrom(1, 2),
        async (b, size, cin, cout, k, stride) => {
          const c: Case = {
            x: [b, size, size, cin],
            filter: [k, k, cin, cout],
            stride,
            pad: k === 3 ? 1 : 'valid',
          };
          const expected = await convGrads('cpu', c, size);
          const actual = await convGrads('wasm', c, size);
          expect(relativeL2(actual, expected)).toBeLessThan(1e-5);
        },
      ),
      { numRuns: 15 },
    );
  });

  it('leaves no tensor or wasm buffer behind', async () => {
    const c = cases[1];
    await convGrads('wasm', c, 1);
    const before = tf.memory();
    for (let i = 0; i < 5; i++) await convGrads('wasm', c, i);
    const after = tf.memory();
    expect(after.numTensors).toBe(before.numTensors);
    expect(after.numDataBuffers).toBe(before.numDataBuffers);
  });
});
