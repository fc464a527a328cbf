/**
 * The same reference checks on tfjs's WebGPU backend (Dawn on SwiftShader in Node): WGSL GroupNorm and
 * every tfjs WebGPU op the UNet uses.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { measureGolden, measureResUpdownFixture, type ReferenceErrors, worstError } from './golden.fixtures';

const TOLERANCE = 1e-4;

const show = (what: string, e: ReferenceErrors) =>
  console.log(
    `${what}: relative L2 error eps ${e.eps.toExponential(2)}; worst activation ${Math.max(
      ...Object.values(e.activations),
    ).toExponential(2)}; worst feature ${Math.max(...Object.values(e.features)).toExponential(2)}`,
  );

describe('UNet vs official PyTorch outputs on webgpu', () => {
  beforeAll(async () => {
    await switchBackend('webgpu');
  });

  it('reproduces the golden tiny MNIST UNet (eps and all 6 decoder taps)', async () => {
    expect(tf.getBackend()).toBe('webgpu');
    const before = tf.memory().numTensors;
    const errors = await measureGolden();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    show('golden tiny UNet on webgpu', errors);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('reproduces the res-up/down multi-head fixture', async () => {
    const before = tf.memory().numTensors;
    const errors = await measureResUpdownFixture();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    show('res-up/down multi-head UNet on webgpu', errors);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });
});
