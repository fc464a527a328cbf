import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../../src/core/gpu/kernels/matmul-wasm';
import { range } from '../../src/core/data/splits';
import { presetConfig } from '../../src/core/diffusion/train/presets';
import { DEFAULT_TRAIN_SETTINGS } from '../../src/core/diffusion/train/trainer';
import { TrainingRun } from '../../src/core/diffusion/train/training-run';
import { randomDigits } from './bench-data';
import { startGradientThreads } from './gradient-threads';
import { switchBackend } from './test-backends';

describe('data-parallel training on worker threads', () => {
  beforeAll(async () => switchBackend('wasm'));
  afterAll(async () => switchBackend('cpu'));

  it('a UNet step shared with a worker thread matches the whole-batch step and leaks no tensor', async () => {
    const data = randomDigits(16);
    const config = presetConfig('unet', 'tiny', [1, 28, 28]);
    const settings = { ...DEFAULT_TRAIN_SETTINGS, batchSize: 6, seed: 2 };
    const make = () => {
      const r = TrainingRun.create(config, data, range(0, 16), settings);
      if (!r.ok) throw new Error(r.error);
      return r.value;
    };
    const whole = make();
    const shared = make();
    const helpers = await startGradientThreads(1, shared.configJson);
    try {
      shared.shareBatchesWith(helpers);
      for (let i = 0; i < 2; i++) {
        const a = await whole.trainStep();
        const b = await shared.trainStep();
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-5);
        expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
      }
      const tensors = tf.memory().numTensors;
      await shared.trainStep();
      expect(tf.memory().numTensors).toBe(tensors);
    } finally {
      for (const h of helpers) await h.close();
      whole.dispose();
      shared.dispose();
    }
  }, 120_000);

  it('a thread that cannot build the network refuses to start, saying why', async () => {
    await expect(startGradientThreads(1, { arch: 'unet', n_channels: -3 })).rejects.toThrow(
      /A gradient helper could not start/,
    );
  }, 60_000);
});
