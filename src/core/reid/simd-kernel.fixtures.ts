/**
 * Test cases every SIMD local-distance kernel must pass (the Gram kernel and the fused one): the reference
 * on random shapes and scales in both builds, near-duplicate stripes recomputed from the features, and
 * overflowing features giving saturated, finite distances.
 */
import fc from 'fast-check';
import { expect, it } from 'vitest';
import { errorStats, randomStripes } from './distances.fixtures';
import type { StripeFeatures } from './features';
import type { KernelBuild } from './local-distance-gram-wasm';
import { localDistanceValues } from './local-distance-reference';

/** [2, nq, ng] distances of four queries × four gallery images by a kernel, and its recompute count. */
export type KernelDistances = (
  q: StripeFeatures,
  g: StripeFeatures,
  build?: KernelBuild,
) => { distances: Float32Array; recomputed: number };

/** The shapes a kernel takes: query and gallery counts and stripe counts as multiples of these. */
export interface KernelShapeSteps {
  readonly queries: number;
  readonly gallery: number;
  readonly stripes: number;
}

export function itMatchesTheReference(kernelDistances: KernelDistances, steps: KernelShapeSteps): void {
  it.each(['relaxed', 'plain'] as const)(
    'the %s build matches the reference on random shapes and scales (fast-check)',
    (build) => {
      fc.assert(
        fc.property(
          fc.record({
            queries: fc.integer({ min: 1, max: 3 }),
            gallery: fc.integer({ min: 1, max: 3 }),
            stripes: fc.integer({ min: 1, max: Math.floor(16 / steps.stripes) }),
            c: fc.integer({ min: 1, max: 40 }),
            scale: fc.constantFrom(1e-3, 1, 1e3),
            seed: fc.integer({ min: 0, max: 1e6 }),
          }),
          ({ queries, gallery, stripes, c, scale, seed }) => {
            const [nq, ng, h] = [queries * steps.queries, gallery * steps.gallery, stripes * steps.stripes];
            const q = randomStripes(nq, h, c, seed, scale);
            const g = randomStripes(ng, h, c, seed + 1, scale);
            const expected = localDistanceValues(q.data, nq, g.data, ng, h, c);
            const { distances } = kernelDistances(q, g, build);
            expect(errorStats(distances, expected).elementwise).toBeLessThan(1e-5);
          },
        ),
        { numRuns: 60 },
      );
    },
  );
}

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
