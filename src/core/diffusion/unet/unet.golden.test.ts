/**
 * Our UNet against the official PyTorch code on the cpu and wasm backends: the shared golden file (plain
 * strided-conv / upsample-conv, single head) and our fixture (BigGAN res up/down, several heads with
 * floor(C / d_k), augment_dim). Together they run every op the UNet uses on each backend.
 */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { measureGolden, measureResUpdownFixture, type ReferenceErrors, worstError } from './golden.fixtures';

const TOLERANCE = 1e-4;

const show = (what: string, e: ReferenceErrors) =>
  console.log(
    `${what}: relative L2 error eps ${e.eps.toExponential(2)}; activations ${Object.entries(e.activations)
      .map(([k, v]) => `${k} ${v.toExponential(2)}`)
      .join(', ')}; features ${Object.entries(e.features)
      .map(([k, v]) => `${k} ${v.toExponential(2)}`)
      .join(', ')}`,
  );

// The cpu backend runs the golden's first image only (t = 1/1000): all three take it 10 s.
describe.each([
  ['wasm', 3],
  ['cpu', 1],
] as const)('UNet vs official PyTorch outputs on %s', (backend, batch) => {
  it(`reproduces the golden tiny MNIST UNet (eps and all 6 decoder taps), ${batch} image(s)`, async () => {
    await switchBackend(backend);
    const before = tf.memory().numTensors;
    const errors = await measureGolden(batch);
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    show(`golden tiny UNet on ${backend}`, errors);
    expect(Object.keys(errors.activations)).toEqual(['out_1', 'out_2', 'out_3', 'out_4', 'out_5', 'out_6']);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('reproduces the res-up/down multi-head fixture', async () => {
    await switchBackend(backend);
    const before = tf.memory().numTensors;
    const errors = await measureResUpdownFixture();
    expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
    show(`res-up/down multi-head UNet on ${backend}`, errors);
    expect(worstError(errors)).toBeLessThanOrEqual(TOLERANCE);
  });
});
