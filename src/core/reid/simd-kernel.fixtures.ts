/**
 * Test cases every SIMD local-distance kernel must pass (the Gram kernel and the fused one): near-duplicate
 * stripes recomputed from the features, and overflowing features giving saturated, finite distances.
 */
import { expect, it } from 'vitest';
import { errorStats, randomStripes } from './distances.fixtures';
import type { StripeFeatures } from './features';
import { localDistanceValues } from './local-distance-reference';

/** [2, nq, ng] distances of four queries × four gallery images by a kernel, and its recompute count. */
export type KernelDistances = (
  q: StripeFeatures,
  g: StripeFeatures,
) => { distances: Float32Array; recomputed: number };

export function itHandlesCancellationAndOverflow(kernelDistances: KernelDistances): void {
  it('recomputes near-duplicate stripes from the features: exact zeros against itself', () => {
    const q = randomStripes(4, 8, 128, 3, 10);
    const nearCopy = { ...q, data: q.data.map((v, k) => (k % 5 === 0 ? v + 1e-3 : v)) };
    const expected = localDistanceValues(q.data, 4, nearCopy.data, 4, 8, 128);
    const near = kernelDistances(q, nearCopy);
    expect(near.recomputed).toBeGreaterThan(0);
    expect(errorStats(near.distances, expected).elementwise).toBeLessThan(1e-5);
    const self = kernelDistances(q, q).distances;
    expect([0, 5, 10, 15].map((k) => self[16 + k])).toEqual([0, 0, 0, 0]);
  });

  it.each([1e20, 1e36])(
    'features scaled by %d (overflowing dot products) give saturated, finite distances',
    (scale) => {
      const q = randomStripes(4, 8, 128, 5, scale);
      const g = randomStripes(4, 8, 128, 6, scale);
      const { distances } = kernelDistances(q, g);
      expect([...distances.subarray(0, 16)].every((v) => v === 15)).toBe(true);
      expect([...distances.subarray(16)].every((v) => v === 8)).toBe(true);
      const self = kernelDistances(g, g).distances;
      expect([0, 5, 10, 15].map((k) => self[k])).toEqual([7, 7, 7, 7]);
      expect([0, 5, 10, 15].map((k) => self[16 + k])).toEqual([0, 0, 0, 0]);
    },
  );
}
