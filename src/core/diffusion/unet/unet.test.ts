/** The UNet Denoiser's contract: shapes, taps, initialisation, input checks, memory, gradients. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { runStage } from './blocks';
import { MNIST_TINY_GOLDEN, type UNetConfig } from './config';
import { SMALL_UNET } from './golden.fixtures';
import { timeEmbedding } from './time-embedding';
import { createUNet } from './unet';

/** ~0.3M parameters with every block kind: strided conv, attention, shortcut, upsample conv. */

const inputs = (b: number, [c, h, w]: readonly number[], seed = 1) => ({
  x: tf.randomNormal([b, h, w, c], 0, 1, 'float32', seed) as tf.Tensor4D,
  t: tf.tensor1d(Array.from({ length: b }, (_, i) => (i + 1) / (b + 1))),
});

describe('createUNet forward (wasm)', () => {
  beforeAll(async () => {
    await switchBackend('wasm');
  });

  it('returns eps shaped like x and, on request, the decoder taps out_1..out_N from the same pass', async () => {
    const model = createUNet(MNIST_TINY_GOLDEN, 'random', 3);
    const { x, t } = inputs(2, model.imageShape);
    const plain = model.forward(x, t);
    const tapped = model.forward(x, t, { taps: true });
    expect(plain.eps.shape).toEqual([2, 28, 28, 1]);
    expect(plain.taps).toEqual([]);
    expect(tapped.taps.map((tp) => [tp.name, tp.activation.shape, tp.pooled.shape])).toEqual([
      ['out_1', [2, 7, 7, 64], [2, 64]],
      ['out_2', [2, 7, 7, 64], [2, 64]],
      ['out_3', [2, 14, 14, 64], [2, 64]],
      ['out_4', [2, 14, 14, 64], [2, 64]],
      ['out_5', [2, 28, 28, 32], [2, 32]],
      ['out_6', [2, 28, 28, 32], [2, 32]],
    ]);
    expect(await tapped.eps.data()).toEqual(await plain.eps.data());
    const pooled = tf.mean(tapped.taps[2].activation, [1, 2]);
    expect(Array.from(await tapped.taps[2].pooled.data())).toEqual(Array.from(await pooled.data()));
    tf.dispose([
      x,
      t,
      plain.eps,
      tapped.eps,
      pooled,
      ...tapped.taps.flatMap((tp) => [tp.activation, tp.pooled]),
    ]);
    model.dispose();
  });

  it('adds the encoder taps enc_k and middle on request, leaving eps and out_k unchanged', async () => {
    const model = createUNet(MNIST_TINY_GOLDEN, 'random', 3);
    const { x, t } = inputs(2, model.imageShape);
    const decoder = model.forward(x, t, { taps: true });
    const all = model.forward(x, t, { taps: true, extraTaps: true });
    expect(all.taps.map((tp) => [tp.name, tp.activation.shape])).toEqual([
      ['enc_1', [2, 28, 28, 32]],
      ['enc_2', [2, 14, 14, 64]],
      ['enc_3', [2, 7, 7, 64]],
      ['middle', [2, 7, 7, 64]],
      ...decoder.taps.map((tp) => [tp.name, tp.activation.shape]),
    ]);
    expect(model.plan.extraTaps).toEqual(['enc_1', 'enc_2', 'enc_3', 'middle']);
    expect(await all.eps.data()).toEqual(await decoder.eps.data());
    expect(await all.taps[4].activation.data()).toEqual(await decoder.taps[0].activation.data());
    // The taps are what the decoder consumes: its first block on concat(middle, last skip) gives out_1.
    const P = model.params;
    const again = tf.tidy(() => {
      const tAct = tf.sigmoid(timeEmbedding(t, P, model.plan.timeChannels));
      const emb = timeEmbedding(t, P, model.plan.timeChannels);
      const input = tf.concat([all.taps[3].activation, all.taps[2].activation], 3) as tf.Tensor4D;
      return runStage(model.plan.up[0], input, tf.mul(emb, tAct), P, 0);
    });
    expect(Array.from(await again.data())).toEqual(Array.from(await decoder.taps[0].activation.data()));
    const unused = model.forward(x, t, { extraTaps: true }); // extra taps need taps: true
    expect(unused.taps).toEqual([]);
    tf.dispose([x, t, again, unused.eps, decoder.eps, all.eps]);
    tf.dispose([...decoder.taps, ...all.taps].flatMap((tp) => [tp.activation, tp.pooled]));
    model.dispose();
  });

  it('initialises like PyTorch from a seed: non-trivial output, identical for equal seeds', async () => {
    const a = createUNet(SMALL_UNET, 'random', 7);
    const b = createUNet(SMALL_UNET, 'random', 7);
    const c = createUNet(SMALL_UNET, 'random', 8);
    const w = (m: typeof a, name: string) => m.params.get(name)?.dataSync() as Float32Array;
    expect(w(a, 'down.0.res.conv1.weight')).toEqual(w(b, 'down.0.res.conv1.weight'));
    expect(w(a, 'down.0.res.conv1.weight')).not.toEqual(w(c, 'down.0.res.conv1.weight'));
    // kaiming_uniform(a=sqrt(5)): |w| <= 1/sqrt(fan_in) = 1/sqrt(32*9), and it fills that range.
    const conv1 = w(a, 'down.0.res.conv1.weight');
    const bound = 1 / Math.sqrt(32 * 9);
    expect(Math.max(...conv1.map(Math.abs))).toBeLessThanOrEqual(bound);
    expect(Math.max(...conv1.map(Math.abs))).toBeGreaterThan(0.95 * bound);
    expect(Array.from(w(a, 'norm.weight'))).toEqual(new Array(32).fill(1));
    expect(Array.from(w(a, 'norm.bias'))).toEqual(new Array(32).fill(0));
    const { x, t } = inputs(2, SMALL_UNET.imageShape);
    const { eps } = a.forward(x, t);
    const values = (await eps.data()) as Float32Array;
    const std = Math.sqrt(values.reduce((s, v) => s + v * v, 0) / values.length);
    expect(values.every(Number.isFinite)).toBe(true);
    expect(std).toBeGreaterThan(1e-3);
    tf.dispose([x, t, eps]);
    for (const m of [a, b, c]) m.dispose();
  });

  it("'zeros' allocates all-zero parameters", () => {
    const model = createUNet(SMALL_UNET, 'zeros');
    for (const v of model.params.values()) expect(tf.any(tf.notEqual(v, 0)).dataSync()[0]).toBe(0);
    model.dispose();
  });

  it('runs other spatial sizes that are multiples of 2^(resolutions-1), rejects the rest', () => {
    const model = createUNet(SMALL_UNET, 'zeros');
    const ok = inputs(1, [1, 12, 6]);
    const out = model.forward(ok.x, ok.t);
    expect(out.eps.shape).toEqual([1, 12, 6, 1]);
    const odd = inputs(1, [1, 7, 8]);
    expect(() => model.forward(odd.x, odd.t)).toThrow(/H and W multiples of 2/);
    const rgb = inputs(1, [3, 8, 8]);
    expect(() => model.forward(rgb.x, rgb.t)).toThrow(/x must be NHWC \[B, H, W, 1\]/);
    const wrongT = inputs(2, [1, 8, 8]);
    expect(() => model.forward(wrongT.x, tf.tensor1d([0.5]))).toThrow(/t must have shape \[2\]/);
    tf.dispose([ok.x, ok.t, out.eps, odd.x, odd.t, rgb.x, rgb.t, wrongT.x, wrongT.t]);
    model.dispose();
    expect(() => model.forward(ok.x, ok.t)).toThrow(/after dispose/);
  });

  it('rejects an invalid config with every problem listed', () => {
    expect(() => createUNet({ ...SMALL_UNET, nChannels: 40, nBlocks: 0 })).toThrow(
      /n_channels[\s\S]*n_blocks/,
    );
  });

  it('leaks no tensors over 20 forwards (with and without taps); dispose frees every parameter', () => {
    const before = tf.memory().numTensors;
    const model = createUNet({
      ...SMALL_UNET,
      isAttn: [true, true],
      useResForUpdown: true,
      attnChannelsPerHead: 16,
    });
    expect(tf.memory().numTensors).toBe(before + model.specs.length);
    const { x, t } = inputs(2, model.imageShape);
    const start = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const out = model.forward(x, t, { taps: i % 2 === 0 });
      tf.dispose([out.eps, ...out.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
    }
    expect(tf.memory().numTensors).toBe(start);
    tf.dispose([x, t]);
    model.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('createUNet gradients (cpu)', () => {
  it('differentiates the loss with respect to every parameter', async () => {
    await switchBackend('cpu');
    // 4x4 images: the cpu backend's Conv2DBackpropFilter is slow (seconds at 8x8).
    const config: UNetConfig = {
      ...SMALL_UNET,
      imageShape: [1, 4, 4],
      useResForUpdown: true,
      attnChannelsPerHead: 16,
    };
    const model = createUNet(config, 'random', 2);
    const { x, t } = inputs(1, config.imageShape);
    const { value, grads } = tf.variableGrads(
      () => tf.mean(tf.square(model.forward(x, t).eps)) as tf.Scalar,
      [...model.params.values()],
    );
    expect(Object.keys(grads)).toHaveLength(model.specs.length);
    const norms = await Promise.all(Object.values(grads).map((g) => tf.norm(g).data()));
    expect(norms.every(([n]) => Number.isFinite(n))).toBe(true);
    // Every parameter influences the output (the zero-initialised ones aside, none here).
    expect(norms.filter(([n]) => n > 0).length).toBe(model.specs.length);
    tf.dispose([x, t, value, ...Object.values(grads)]);
    model.dispose();
  });
});
