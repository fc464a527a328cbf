import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { compileShaders, pipelineCount } from './compile-shaders';
import { createUNet } from './unet';
import { SMALL_UNET } from './unet/golden.fixtures';

describe('compiling shaders before the first step', () => {
  it('on webgpu, compiles every pipeline of a forward pass, so the real pass compiles none and is right', async () => {
    await switchBackend('webgpu');
    const model = createUNet(SMALL_UNET, 'random', 3);
    const tensorsBefore = tf.memory().numTensors;
    const added = await compileShaders(model, 2);
    expect(added).toBeGreaterThan(10);
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    const pipelines = pipelineCount();
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 7) as tf.Tensor4D;
    const t = tf.tensor1d([0.1, 0.9]);
    const eps = model.forward(x, t).eps;
    const gpu = await eps.data();
    expect(pipelineCount()).toBe(pipelines);
    expect(await compileShaders(model, 2)).toBe(0);

    // The same network on cpu gives the same output: the compile-only pass left no stale state behind.
    const weights = new Map([...model.params].map(([k, v]) => [k, v.clone()]));
    await switchBackend('cpu');
    const cpuModel = createUNet(SMALL_UNET, 'zeros');
    for (const [k, v] of cpuModel.params) v.assign(tf.tensor(await weights.get(k)!.data(), v.shape));
    const cpu = await cpuModel
      .forward(tf.tensor4d(await x.data(), [2, 8, 8, 1]), tf.tensor1d([0.1, 0.9]))
      .eps.data();
    let maxDiff = 0;
    let maxRef = 0;
    for (let i = 0; i < cpu.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(gpu[i] - cpu[i]));
      maxRef = Math.max(maxRef, Math.abs(cpu[i]));
    }
    expect(maxDiff / maxRef).toBeLessThan(1e-4);
  });

  it('is a no-op off webgpu', async () => {
    await switchBackend('cpu');
    expect(await compileShaders(createUNet(SMALL_UNET, 'zeros'), 1)).toBeNull();
  });
});
