/** Our DiT against the PyTorch reference fixture on the cpu and wasm backends. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { measureDiTFixture, worstError } from './golden.fixtures';

const TOLERANCE = 1e-4;

describe.each(['cpu', 'wasm'] as const)('DiT vs the PyTorch reference on %s', (backend) => {
  it('reproduces eps and every layer-i activation and token mean', async () => {
    await switchBackend(backend);
    const before = tf.memory().numTensors;
    const errors = await measureDiTFixture();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    console.log(`DiT fixture on ${backend}: ${JSON.stringify(errors)}`);
    expect(Object.keys(errors.activations)).toEqual(['layer-0', 'layer-1']);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });
});
