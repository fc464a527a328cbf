import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '../../src/core/gpu/kernels/matmul-wasm';
import { presetConfig } from '../../src/core/diffusion/train/presets';
import { exportStateDict } from '../../src/core/io/checkpoint';
import { createFromConfig } from '../../src/core/io/denoiser-from-checkpoint';
import { extractFeatures } from '../../src/core/probe/features';
import { randomDigits } from './bench-data';
import { startFeatureThreads } from './feature-threads';
import { switchBackend } from './test-backends';

describe('probe features on worker threads', () => {
  beforeAll(async () => switchBackend('wasm'));
  afterAll(async () => switchBackend('cpu'));

  it('two threads give exactly the features one thread computes, with progress to the last image', async () => {
    const made = createFromConfig(presetConfig('unet', 'tiny', [1, 12, 12]), 'random', 3);
    if (!made.ok) throw new Error(made.error);
    const { model, json } = made.value;
    const dataset = randomDigits(20, 12);
    const checkpoint = await exportStateDict(model, { config: JSON.stringify(json) });
    const indices = Int32Array.from([19, 3, 7, 0, 12, 5, 8, 2, 16, 11, 1]); // 3 batches of 4 (last padded)
    const options = { t: 11, batchSize: 4, seed: 5 };
    const expected = await extractFeatures(model, dataset, indices, options);
    const threads = await startFeatureThreads({ checkpoint, name: 'tiny.safetensors', dataset }, 2);
    try {
      const progress: number[] = [];
      const got = await threads.extract(model, dataset, indices, options, {
        onProgress: (done) => progress.push(done),
      });
      expect([...got.keys()]).toEqual([...expected.keys()]);
      for (const [name, f] of expected) {
        expect(got.get(name)?.dim).toBe(f.dim);
        expect(Array.from(got.get(name)?.data ?? [])).toEqual(Array.from(f.data));
      }
      expect(progress.at(-1)).toBe(indices.length);
    } finally {
      await threads.close();
      model.dispose();
    }
  }, 120_000);

  it('a checkpoint the threads cannot read fails with its reason', async () => {
    await expect(
      startFeatureThreads(
        { checkpoint: new Uint8Array(8), name: 'broken.safetensors', dataset: randomDigits(2, 12) },
        1,
      ),
    ).rejects.toThrow(/broken\.safetensors/);
  }, 60_000);
});
