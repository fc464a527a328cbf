import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { checkCustomKernels } from './kernel-check';

describe('in-app kernel self-test', () => {
  it('on cpu the kernel is the reference: zero error, and cancellation stops it', async () => {
    await switchBackend('cpu');
    const results = await checkCustomKernels();
    expect(results.length).toBeGreaterThanOrEqual(5);
    for (const r of results) expect(r.maxRelError).toBe(0);
    const controller = new AbortController();
    controller.abort();
    await expect(checkCustomKernels({ signal: controller.signal })).rejects.toThrow('Cancelled');
  });

  it('on webgpu (SwiftShader) every WGSL case agrees to 1e-5 and leaks no tensor', async () => {
    await switchBackend('webgpu');
    await checkCustomKernels();
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const results = await checkCustomKernels({ onProgress: (done) => progress.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual(results.map((_, i) => i + 1));
    for (const r of results) {
      expect(r.backend).toBe('webgpu');
      expect(r.maxRelError).toBeLessThanOrEqual(1e-5);
    }
  });
});
