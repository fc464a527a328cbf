/**
 * The fused SIMD kernel (dot products, transform and shortest path in one wasm function) against the
 * plain-JS reference of the local distance, in both builds (relaxed SIMD's fused multiply-add and plain
 * SIMD): random shapes and scales, near-duplicate stripes (the recompute), overflowing features, and the
 * packed layouts its register blocks read.
 */
import { describe, expect, it } from 'vitest';
import { errorStats, randomStripes } from './distances.fixtures';
import type { StripeFeatures } from './features';
import { FusedDistanceKernel, fusedKernelFits, packGallery } from './local-distance-fused-wasm';
import type { KernelBuild } from './local-distance-gram-wasm';
import { localDistanceValues } from './local-distance-reference';
import { itHandlesCancellationAndOverflow, itMatchesTheReference } from './simd-kernel.fixtures';

/** [2, nq, ng] distances by the kernel (both counts multiples of 4), and its recompute count. */
function fusedDistances(q: StripeFeatures, g: StripeFeatures, build: KernelBuild = 'best') {
  const kernel = new FusedDistanceKernel(q.stripes, q.channels, q.count, g.count, build);
  kernel.setGallery(g.data);
  const { distances, recomputed } = kernel.run(q.data);
  return { distances: distances.slice(), recomputed };
}

describe('the fused SIMD kernel', () => {
  itMatchesTheReference(fusedDistances, { queries: 4, gallery: 4, stripes: 2 });

  it('the two builds agree within float32 rounding at the shipped size (H = 8, c = 128)', () => {
    const q = randomStripes(8, 8, 128, 21);
    const g = randomStripes(12, 8, 128, 22);
    const relaxed = fusedDistances(q, g, 'relaxed').distances;
    const plain = fusedDistances(q, g, 'plain').distances;
    expect(errorStats(relaxed, plain).elementwise).toBeLessThan(1e-6);
  });

  itHandlesCancellationAndOverflow(fusedDistances);

  it('a reused instance computes on its new gallery and queries', () => {
    const kernel = FusedDistanceKernel.acquire(4, 8, 4, 8);
    FusedDistanceKernel.release(kernel);
    const again = FusedDistanceKernel.acquire(4, 8, 4, 8);
    expect(again).toBe(kernel);
    for (const seed of [3, 4]) {
      const q = randomStripes(4, 4, 8, seed);
      const g = randomStripes(8, 4, 8, seed + 10);
      again.setGallery(g.data);
      const expected = localDistanceValues(q.data, 4, g.data, 8, 4, 8);
      expect(errorStats(again.run(q.data).distances, expected).elementwise).toBeLessThan(1e-5);
    }
    FusedDistanceKernel.release(again);
  });

  it('packs the gallery as [n/4, h/2, c, 2, 4]', () => {
    const [n, h, c] = [8, 4, 3];
    const data = Float32Array.from({ length: n * h * c }, (_, k) => k);
    const value = (image: number, stripe: number, channel: number) =>
      data[(image * h + stripe) * c + channel];
    const g = packGallery(data, n, h, c);
    // Gallery image 6 = group 1, lane 2; stripe 3 = pair 1, second of the pair; channel 2.
    expect(g[1 * h * c * 4 + 1 * c * 8 + 2 * 8 + 1 * 4 + 2]).toBe(value(6, 3, 2));
    expect([...g].sort((a, b) => a - b)).toEqual([...data]);
  });

  it('takes an even stripe count only, and tiles in whole blocks of 4', () => {
    expect(fusedKernelFits(8)).toBe(true);
    expect(fusedKernelFits(7)).toBe(false);
    expect(() => new FusedDistanceKernel(7, 8, 4, 4)).toThrow(/even stripe count/);
    expect(() => new FusedDistanceKernel(8, 8, 6, 4)).toThrow(/query tile that is a multiple of 4/);
    expect(() => new FusedDistanceKernel(8, 8, 4, 6)).toThrow(/gallery tile that is a multiple of 4/);
  });
});
