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
