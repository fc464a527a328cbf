/** The official DiT initialisation (adaLN-Zero `initialize_weights`) against its rules, worked out by hand. */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { createUNet } from '../unet';
import { MNIST_TINY_GOLDEN } from '../unet/config';
import { DIT_MNIST_SMALL } from './config';
import { createDiT } from './dit';

beforeAll(async () => {
  await switchBackend('cpu');
});

const valuesOf = (v: tf.Variable | undefined): Float32Array => {
  if (!v) throw new Error('missing parameter');
  return v.dataSync() as Float32Array;
};
const maxAbs = (a: Float32Array): number => a.reduce((m, x) => Math.max(m, Math.abs(x)), 0);
const std = (a: Float32Array): number => {
  const mean = a.reduce((s, x) => s + x, 0) / a.length;
  return Math.sqrt(a.reduce((s, x) => s + (x - mean) ** 2, 0) / a.length);
};

describe('the official DiT initialisation', () => {
  let model: ReturnType<typeof createDiT>;
  beforeAll(() => {
    model = createDiT(DIT_MNIST_SMALL, 'official', 7);
  });
  afterAll(() => model.dispose());
  const p = (name: string) => valuesOf(model.params.get(name));

  it('zeroes every adaLN modulation, the final linear layer and every bias', () => {
    for (const s of model.specs) {
      if (/adaLN_modulation|^final_layer\.linear\.|\.bias$/.test(s.name))
        expect(maxAbs(p(s.name)), s.name).toBe(0);
    }
  });

  it('draws Linear weights xavier-uniform: U(-b, b) with b = sqrt(6 / (fan_in + fan_out))', () => {
    // hidden 128: qkv [384, 128] -> b = sqrt(6 / 512); fc1 [512, 128] -> sqrt(6 / 640); patch [128, 1*4*4].
    const cases: [string, number][] = [
      ['blocks.0.attn.qkv.weight', Math.sqrt(6 / 512)],
      ['blocks.3.mlp.fc1.weight', Math.sqrt(6 / 640)],
      ['blocks.5.attn.proj.weight', Math.sqrt(6 / 256)],
      ['x_embedder.proj.weight', Math.sqrt(6 / (16 + 128))],
    ];
    for (const [name, b] of cases) {
      const w = p(name);
      expect(maxAbs(w), name).toBeLessThanOrEqual(b);
      expect(maxAbs(w), name).toBeGreaterThan(0.98 * b);
      // A uniform on [-b, b] has standard deviation b / sqrt(3).
      expect(std(w) / (b / Math.sqrt(3)), name).toBeCloseTo(1, 1);
    }
  });

  it('draws the timestep MLP weights from N(0, 0.02)', () => {
    for (const name of ['t_embedder.mlp.0.weight', 't_embedder.mlp.2.weight']) {
      expect(std(p(name)) / 0.02, name).toBeCloseTo(1, 1);
      expect(maxAbs(p(name)), name).toBeLessThan(0.02 * 6);
    }
  });

  it('starts as a network that predicts eps = 0, and is seeded', () => {
    const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const t = tf.tensor1d([0.01, 0.7]);
    const { eps } = model.forward(x, t);
    expect(maxAbs(eps.dataSync() as Float32Array)).toBe(0);
    const again = createDiT(DIT_MNIST_SMALL, 'official', 7);
    const other = createDiT(DIT_MNIST_SMALL, 'official', 8);
    const w = 'blocks.2.mlp.fc2.weight';
    expect(Array.from(valuesOf(again.params.get(w)))).toEqual(Array.from(p(w)));
    expect(Array.from(valuesOf(other.params.get(w)))).not.toEqual(Array.from(p(w)));
    tf.dispose([x, t, eps]);
    again.dispose();
    other.dispose();
  });

  it('leaves the UNet on PyTorch defaults, as the DDAE code does', () => {
    const a = createUNet(MNIST_TINY_GOLDEN, 'official', 2);
    const b = createUNet(MNIST_TINY_GOLDEN, 'random', 2);
    for (const s of a.specs) {
      expect(Array.from(valuesOf(a.params.get(s.name))), s.name).toEqual(
        Array.from(valuesOf(b.params.get(s.name))),
      );
    }
    a.dispose();
    b.dispose();
  });
});
