import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { relativeL2 } from '../../diffusion/unet/golden.fixtures';
import './conv2d-backprop-wasm';

type Case = {
  x: [number, number, number, number];
  filter: [number, number, number, number];
  stride: number;
  pad: 'same' | 'valid' | number;
};

/**
 * dL/dW and dL/dx of sum(conv(x, w) * dy) by direct summation in float64: the definition, independent of
 * every backend (our filter gradient now replaces the cpu backend's too).
 */
function directGrads(c: Case, x: Float32Array, w: Float32Array, dy: Float32Array): Float32Array {
  const info = tf.backend_util.computeConv2DInfo(c.x, c.filter, c.stride, 1, c.pad);
  const [batch, height, width, cin] = c.x;
  const [kh, kw, , cout] = c.filter;
  const { outHeight, outWidth, padInfo } = info;
  const gw = new Float64Array(w.length);
  const gx = new Float64Array(x.length);
  for (let b = 0; b < batch; b++) {
    for (let i = 0; i < outHeight; i++) {
      for (let j = 0; j < outWidth; j++) {
        for (let p = 0; p < kh; p++) {
          const y = i * c.stride + p - padInfo.top;
          if (y < 0 || y >= height) continue;
          for (let q = 0; q < kw; q++) {
            const xx = j * c.stride + q - padInfo.left;
            if (xx < 0 || xx >= width) continue;
            for (let ci = 0; ci < cin; ci++) {
              const xi = ((b * height + y) * width + xx) * cin + ci;
              for (let co = 0; co < cout; co++) {
                const g = dy[((b * outHeight + i) * outWidth + j) * cout + co];
                const wi = ((p * kw + q) * cin + ci) * cout + co;
                gw[wi] += x[xi] * g;
                gx[xi] += w[wi] * g;
              }
            }
          }
        }
      }
    }
  }
  return Float32Array.from([...gw, ...gx]);
}

async function referenceGrads(c: Case, seed: number): Promise<Float32Array> {
  await switchBackend('cpu');
  const [x, w, dy] = tf.tidy(() => {
    const xs = tf.randomNormal(c.x, 0, 1, 'float32', seed);
    const ws = tf.randomNormal(c.filter, 0, 1, 'float32', seed + 1);
    const out = tf.conv2d(xs as tf.Tensor4D, ws as tf.Tensor4D, c.stride, c.pad);
    return [xs.dataSync(), ws.dataSync(), tf.randomNormal(out.shape, 0, 1, 'float32', seed + 2).dataSync()];
  }) as unknown as Float32Array[];
  return directGrads(c, x, w, dy);
}

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

describe('our convolution gradients (wasm: filter and input; cpu: filter)', () => {
  afterAll(async () => switchBackend('cpu'));

  const cases: Case[] = [
    { x: [2, 8, 8, 3], filter: [3, 3, 3, 5], stride: 1, pad: 'same' },
    { x: [2, 9, 7, 4], filter: [3, 3, 4, 6], stride: 2, pad: 1 }, // PyTorch-style symmetric padding, odd size
    { x: [2, 14, 14, 16], filter: [3, 3, 16, 8], stride: 1, pad: 1 },
    { x: [1, 6, 6, 8], filter: [1, 1, 8, 4], stride: 1, pad: 'valid' },
    { x: [2, 10, 10, 2], filter: [3, 2, 2, 3], stride: 2, pad: 'valid' },
    { x: [2, 8, 8, 4], filter: [3, 3, 4, 4], stride: 2, pad: 'same' }, // tfjs 'same' pads bottom/right
  ];
  for (const c of cases) {
    it(`match direct summation for x ${c.x}, filter ${c.filter}, stride ${c.stride}, pad ${c.pad}`, async () => {
      const expected = await referenceGrads(c, 7);
      for (const backend of ['wasm', 'cpu'] as const) {
        const actual = await convGrads(backend, c, 7);
        expect(actual.length).toBe(expected.length);
        expect(relativeL2(actual, expected)).toBeLessThan(1e-5);
      }
    });
  }

  it('match direct summation on random shapes (property)', async () => {
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
          const expected = await referenceGrads(c, size);
          for (const backend of ['wasm', 'cpu'] as const) {
            expect(relativeL2(await convGrads(backend, c, size), expected)).toBeLessThan(1e-5);
          }
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
