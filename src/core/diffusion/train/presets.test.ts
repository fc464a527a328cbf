import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { createFromConfig } from '../../io/denoiser-from-checkpoint';
import { presetConfig } from './presets';

describe('training presets', () => {
  it('pass dropout to the UNet, where training-mode passes then differ and inference ignores it', async () => {
    await tf.setBackend('cpu');
    const config = presetConfig('unet', 'tiny', [1, 28, 28], { dropout: 0.5 });
    expect(config.arch === 'unet' && config.config.dropout).toBe(0.5);
    const made = createFromConfig(config, 'random', 3);
    if (!made.ok) throw new Error(made.error);
    const model = made.value.model;
    const before = tf.memory().numTensors;
    const [train1, train2, eval1, eval2] = tf.tidy(() => {
      const x = tf.randomNormal([2, 28, 28, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
      const t = tf.tensor1d([0.1, 0.5]);
      return [true, true, false, false].map((training) => model.forward(x, t, { training }).eps.dataSync());
    });
    const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
    expect(maxDiff(train1, train2)).toBeGreaterThan(1e-4);
    expect(maxDiff(eval1, eval2)).toBe(0);
    model.dispose();
    expect(tf.memory().numTensors).toBeLessThanOrEqual(before);
  });

  it('refuse dropout for the DiT (the official DiT has none) and out-of-range values', () => {
    expect(presetConfig('dit', 'tiny', [1, 28, 28], { dropout: 0 }).arch).toBe('dit');
    expect(() => presetConfig('dit', 'tiny', [1, 28, 28], { dropout: 0.1 })).toThrow(/DiT has no dropout/);
    expect(() => presetConfig('unet', 'tiny', [1, 28, 28], { dropout: 1 })).toThrow(/\[0, 1\)/);
    const plain = presetConfig('unet', 'small', [1, 28, 28]);
    expect(plain.arch === 'unet' && plain.config.dropout).toBe(0);
  });
});

describe('the medium presets', () => {
  it('widen the UNet to 128 channels at 7x7 and take the DiT to patch 2, as their comments say', async () => {
    await tf.setBackend('cpu');
    const made = (arch: 'unet' | 'dit', preset: 'small' | 'medium') => {
      const r = createFromConfig(presetConfig(arch, preset, [1, 28, 28]), 'zeros');
      if (!r.ok) throw new Error(r.error);
      return r.value.model;
    };
    const count = (m: ReturnType<typeof made>) =>
      [...m.params.values()].filter((p) => p.trainable).reduce((s, p) => s + p.size, 0);
    const [unetSmall, unetMedium, ditSmall, ditMedium] = [
      made('unet', 'small'),
      made('unet', 'medium'),
      made('dit', 'small'),
      made('dit', 'medium'),
    ];
    expect([count(unetSmall), count(unetMedium)]).toEqual([1_112_801, 2_734_945]);
    // Patch 2 changes only the per-patch sizes, 16 pixels -> 4: the patch embedding's weight (128 x 16 -> 4)
    // and the final linear layer's weight (16 -> 4 outputs x 128) and bias (16 -> 4).
    expect(count(ditSmall) - count(ditMedium)).toBe(128 * 12 + 12 * 128 + 12);
    const x = tf.zeros([1, 28, 28, 1]) as tf.Tensor4D;
    const t = tf.tensor1d([0.01]);
    const widths = (m: ReturnType<typeof made>) => {
      const out = m.forward(x, t, { taps: true });
      const w = Object.fromEntries(out.taps.map((tp) => [tp.name, tp.pooled.shape[1]]));
      tf.dispose([out.eps, ...out.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
      return w;
    };
    expect(widths(unetSmall).out_1).toBe(64);
    expect(widths(unetMedium).out_1).toBe(128);
    for (const m of [unetSmall, unetMedium, ditSmall, ditMedium]) m.dispose();
    tf.dispose([x, t]);
  });
});
