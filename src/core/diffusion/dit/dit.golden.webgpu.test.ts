/** The DiT reference check on tfjs's WebGPU backend (Dawn on SwiftShader in Node). */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { measureDiTFixture, worstError } from './golden.fixtures';

const TOLERANCE = 1e-4;

describe('DiT vs the PyTorch reference on webgpu', () => {
  beforeAll(async () => {
    await switchBackend('webgpu');
  });

  it('reproduces eps and every layer-i activation and token mean', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const errors = await measureDiTFixture();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    console.log(`DiT fixture on webgpu: ${JSON.stringify(errors)}`);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });
});
