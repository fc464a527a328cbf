import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/core/gpu/kernels/matmul-wasm';
import { presetConfig } from '../../src/core/diffusion/train/presets';
import { drawSamples } from '../../src/core/eval/sample-quality';
import { exportStateDict } from '../../src/core/io/checkpoint';
import { createFromConfig } from '../../src/core/io/denoiser-from-checkpoint';
import { drawSamplesInThreads } from './sample-threads';
import { switchBackend } from './test-backends';

describe('sampling on worker threads', () => {
  beforeAll(async () => switchBackend('wasm'));
  afterAll(async () => switchBackend('cpu'));

  it('two threads draw exactly the images one thread draws, batches in any order', async () => {
    const made = createFromConfig(presetConfig('unet', 'tiny', [1, 12, 12]), 'random', 5);
    if (!made.ok) throw new Error(made.error);
    const { model, json } = made.value;
    const checkpoint = await exportStateDict(model, { config: JSON.stringify(json) });
    const sampler = { kind: 'ddim', steps: 3, eta: 1 } as const;
    const options = { sampler, count: 5, batch: 2, seed: 9 };
    const expected = await drawSamples({ model, ...options });
    const progress: number[] = [];
    const images = await drawSamplesInThreads({
      checkpoint,
      name: 'tiny.safetensors',
      imageSize: 144,
      threads: 2,
      onBatch: (done) => progress.push(done),
      ...options,
    });
    expect(Array.from(images)).toEqual(Array.from(expected));
    expect(progress.at(-1)).toBe(5);
    expect(progress).toHaveLength(3); // batches of 2, 2 and 1
    model.dispose();
  }, 120_000);

  it('a checkpoint the threads cannot read fails with its reason', async () => {
    await expect(
      drawSamplesInThreads({
        checkpoint: new Uint8Array([1, 2, 3]),
        name: 'broken.safetensors',
        sampler: { kind: 'ddim', steps: 2, eta: 0 },
        count: 2,
        batch: 1,
        seed: 0,
        imageSize: 144,
        threads: 2,
      }),
    ).rejects.toThrow(/a sampling thread failed: .*broken\.safetensors/);
  }, 60_000);
});
