import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { checkCustomKernels } from './kernel-check';

describe('in-app kernel self-test', () => {
  it('on cpu the SIMD kernels (the reference where C % 4 != 0) agree within tolerance, and cancellation stops it', async () => {
    await switchBackend('cpu');
    const results = await checkCustomKernels();
    expect(results.filter((r) => r.kernel === 'GroupNorm').length).toBeGreaterThanOrEqual(5);
    expect(results.filter((r) => r.kernel === 'GroupNorm gradient').length).toBeGreaterThanOrEqual(2);
    for (const r of results) {
      expect(r.path).toBe(r.shape[3] % 4 === 0 ? 'wasm-simd' : 'cpu-reference');
      // The reference against itself is exact; the SIMD kernel sums in float32.
      if (r.path === 'cpu-reference' && r.kernel === 'GroupNorm') expect(r.maxRelError).toBe(0);
      expect(r.maxRelError, `${r.kernel} [${r.shape}]`).toBeLessThanOrEqual(r.tolerance);
      expect(r.maxRelError).toBeGreaterThanOrEqual(0);
    }
    const controller = new AbortController();
    controller.abort();
    await expect(checkCustomKernels({ signal: controller.signal })).rejects.toThrow('Cancelled');
  });

  it('on webgpu (SwiftShader) the WGSL kernel and the tf-ops gradient agree within tolerance and leak no tensor', async () => {
    await switchBackend('webgpu');
    await checkCustomKernels();
    const before = tf.memory().numTensors;
    const progress: number[] = [];
    const results = await checkCustomKernels({ onProgress: (done) => progress.push(done) });
    expect(tf.memory().numTensors).toBe(before);
    expect(progress).toEqual(results.map((_, i) => i + 1));
    for (const r of results) {
      expect(r.backend).toBe('webgpu');
      expect(r.path).toBe(r.kernel === 'GroupNorm' ? 'wgsl' : 'tf-ops');
      expect(r.maxRelError, `${r.kernel} [${r.shape}]`).toBeLessThanOrEqual(r.tolerance);
    }
  });
});
