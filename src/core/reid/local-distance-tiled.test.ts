/**
 * The tiling driver on the cpu and wasm backends (the CPU reference or the backend's matMul per tile): tile
 * plans within their limits, and tiled results equal to one untiled computation, with tiny budgets standing
 * in for device limits.
 */
import * as tf from '@tensorflow/tfjs';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { errorStats, loadAlignedReidGolden, randomStripes } from './distances.fixtures';
import { fusedKernelFits } from './local-distance-fused-wasm';
import { localDistancePathName } from './local-distance-path';
import { localDistanceValues } from './local-distance-reference';
import {
  computeLocalDistances,
  cpuLocalDistanceMethod,
  gramTilePlan,
  type LocalDistanceMethod,
  localDistanceTilePlan,
  mirrorUpperTriangle,
  planTiles,
  type TilePlan,
} from './local-distance-tiled';

/** Problem sizes up to beyond Market-1501's: queries, gallery images, stripes H, channels c. */
const problemSize = fc.tuple(
  fc.integer({ min: 0, max: 20000 }),
  fc.integer({ min: 0, max: 20000 }),
  fc.integer({ min: 1, max: 16 }),
  fc.integer({ min: 1, max: 2048 }),
);

/** The methods to compare for H stripes: the fused kernel only takes an even H. */
const methodsFor = (h: number): LocalDistanceMethod[] =>
  fusedKernelFits(h) ? ['kernel', 'gram', 'fused'] : ['kernel', 'gram'];

/** Every plan covers the problem, and balanced tiles waste less than one tile to padding. */
function expectCoveredAndBalanced(plan: TilePlan, nq: number, ng: number): void {
  expect(plan.queryTile * plan.queryTiles).toBeGreaterThanOrEqual(nq);
  expect(plan.galleryTile * plan.galleryTiles).toBeGreaterThanOrEqual(ng);
  expect(plan.queryTile * (plan.queryTiles - 1)).toBeLessThan(Math.max(nq, 1));
  expect(plan.galleryTile * (plan.galleryTiles - 1)).toBeLessThan(Math.max(ng, 1));
}

describe('tile plans', () => {
  it('keep every buffer within the budget and every dispatch within the workgroup limit', () => {
    fc.assert(
      fc.property(
        problemSize,
        fc.integer({ min: 16 * 1024, max: 256 * 1024 * 1024 }),
        fc.integer({ min: 1, max: 65535 }),
        ([nq, ng, h, c], maxBufferBytes, maxWorkgroupsPerDimension) => {
          fc.pre(h * c * 4 <= maxBufferBytes);
          const plan = planTiles(nq, ng, h, c, { maxBufferBytes, maxWorkgroupsPerDimension });
          const perTile = Math.floor(64 / h);
          expect(plan.queryTile * h * c * 4).toBeLessThanOrEqual(maxBufferBytes);
          expect(plan.galleryTile * h * c * 4).toBeLessThanOrEqual(maxBufferBytes);
          expect(2 * plan.queryTile * plan.galleryTile * 4).toBeLessThanOrEqual(maxBufferBytes);
          expect(Math.ceil(plan.galleryTile / perTile)).toBeLessThanOrEqual(maxWorkgroupsPerDimension);
          expect(Math.ceil(plan.queryTile / perTile)).toBeLessThanOrEqual(maxWorkgroupsPerDimension);
          expectCoveredAndBalanced(plan, nq, ng);
        },
      ),
    );
  });

  it('plans the Market-1501 problem (3,368 × 15,913, H = 8, c = 128) in 64 MiB buffers', () => {
    const plan = planTiles(3368, 15913, 8, 128, {
      maxBufferBytes: 64 * 1024 * 1024,
      maxWorkgroupsPerDimension: 65535,
    });
    expect(plan).toEqual({ queryTile: 482, galleryTile: 15913, queryTiles: 7, galleryTiles: 1 });
  });

  it('Gram-path tiles: the Gram within the budget (but for lane padding), whole gallery lanes, everything covered', () => {
    fc.assert(
      fc.property(
        problemSize,
        fc.integer({ min: 4 * 1024, max: 64 * 1024 * 1024 }),
        ([nq, ng, h, c], budget) => {
          const plan = gramTilePlan(nq, ng, h, c, budget);
          const lanes = 4; // the SIMD kernel's, available in Node
          expect(plan.galleryTile % lanes).toBe(0);
          const pairs = Math.floor(budget / (4 * h * h));
          if (plan.galleryTile <= pairs) {
            expect(plan.queryTile * plan.galleryTile * h * h * 4).toBeLessThanOrEqual(budget);
          } else {
            // A budget under one lane-rounded row: one query, the gallery tile only rounded up to the lanes.
            expect(plan.queryTile).toBe(1);
            expect(plan.galleryTile).toBeLessThan(pairs + lanes);
          }
          expectCoveredAndBalanced(plan, nq, ng);
        },
      ),
    );
    // 1,000 × 5,000 at H = 8 in 1 MiB: 4,096 pairs per tile, 16 queries × 256 gallery images.
    expect(gramTilePlan(1000, 5000, 8, 128, 2 ** 20)).toEqual({
      queryTile: 16,
      galleryTile: 252,
      queryTiles: 63,
      galleryTiles: 20,
    });
  });

  it('fused-path tiles: the Gram plan with the query tile padded to whole 4-query blocks, everything covered', () => {
    fc.assert(
      fc.property(
        problemSize,
        fc.integer({ min: 4 * 1024, max: 64 * 1024 * 1024 }),
        ([nq, ng, h, c], budget) => {
          const plan = localDistanceTilePlan(nq, ng, h, c, {
            useKernel: false,
            maxBufferBytes: budget,
            fused: true,
          });
          const gram = gramTilePlan(nq, ng, h, c, Math.min(budget, 2 ** 20));
          expect(plan.queryTile % 4).toBe(0);
          expect(plan.galleryTile).toBe(gram.galleryTile);
          expect(plan.queryTile - gram.queryTile).toBeLessThan(4);
          expectCoveredAndBalanced(plan, nq, ng);
        },
      ),
    );
  });

  it('mirrorUpperTriangle copies the upper triangle onto the lower one, across block edges', () => {
    for (const n of [0, 1, 3, 64, 65, 130]) {
      const m = Float32Array.from({ length: n * n }, (_, k) => k);
      mirrorUpperTriangle(m, n);
      for (let r = 0; r < n; r++) {
        for (let c = 0; c < n; c++) expect(m[r * n + c]).toBe(c >= r ? r * n + c : c * n + r);
      }
    }
  });

  it('refuses a budget smaller than one image', () => {
    expect(() => planTiles(1, 1, 8, 128, { maxBufferBytes: 1000, maxWorkgroupsPerDimension: 65535 })).toThrow(
      /does not fit/,
    );
  });
});

describe.each(['cpu', 'wasm'] as const)('tiled local distances on %s', (backend) => {
  beforeAll(async () => {
    await switchBackend(backend);
  });

  it.each([
    // [queries, gallery, H, c, bytes per buffer]
    [13, 29, 8, 16, 4 * 1024], // 8 images per input tile, 512 outputs per tile
    [7, 5, 1, 3, 64], // output tiles of 8 floats: 1 query × 4 gallery
    [5, 41, 16, 4, 1024], // one image fills a quarter of the budget
    [1, 1, 8, 16, 512],
  ])(
    '%d × %d images, H=%d, c=%d, %d-byte tiles: the same as one untiled run',
    async (nq, ng, h, c, bytes) => {
      const q = randomStripes(nq, h, c, nq * 7 + 1, 0.3);
      const g = randomStripes(ng, h, c, ng * 7 + 2, 0.3);
      const expected = localDistanceValues(q.data, nq, g.data, ng, h, c);
      for (const method of methodsFor(h)) {
        const progress: number[] = [];
        const before = tf.memory().numTensors;
        const result = await computeLocalDistances(q, g, {
          method,
          maxBufferBytes: bytes,
          onProgress: (done, total) => progress.push(done / total),
        });
        expect(tf.memory().numTensors, 'tensors leaked').toBe(before);
        expect(progress.length).toBeGreaterThan(nq > 1 ? 1 : 0);
        expect(progress[progress.length - 1]).toBe(1);
        expect([result.aligned.rows, result.aligned.cols]).toEqual([nq, ng]);
        if (method === 'kernel') {
          // The reference per tile: bit for bit the untiled result.
          expect(result.aligned.data).toEqual(expected.subarray(0, nq * ng));
          expect(result.unaligned.data).toEqual(expected.subarray(nq * ng));
        } else {
          // A float32 Gram with recomputed near-duplicates and a rational tanh: within 1e-5.
          expect(errorStats(result.aligned.data, expected.subarray(0, nq * ng)).elementwise).toBeLessThan(
            1e-5,
          );
          expect(errorStats(result.unaligned.data, expected.subarray(nq * ng)).elementwise).toBeLessThan(
            1e-5,
          );
        }
      }
    },
  );

  it('every method reproduces the golden local_dist_stable and unaligned_dist within 1e-5', async () => {
    const golden = loadAlignedReidGolden();
    expect(fusedKernelFits(golden.queryLocal.stripes)).toBe(true);
    for (const method of methodsFor(golden.queryLocal.stripes)) {
      const { aligned, unaligned } = await computeLocalDistances(golden.queryLocal, golden.galleryLocal, {
        method,
      });
      expect(errorStats(aligned.data, golden.localDistStable).elementwise, method).toBeLessThanOrEqual(1e-5);
      expect(errorStats(unaligned.data, golden.unalignedDist).elementwise, method).toBeLessThanOrEqual(1e-5);
    }
  });

  it.each(['gram', 'fused'] as const)(
    'the %s method recomputes near-duplicate stripes: exact zeros, no float32 cancellation',
    async (method) => {
      const q = randomStripes(4, 8, 128, 3, 10);
      const nearCopy = { ...q, data: q.data.map((v, k) => (k % 5 === 0 ? v + 1e-3 : v)) };
      const expected = localDistanceValues(q.data, 4, nearCopy.data, 4, 8, 128);
      const result = await computeLocalDistances(q, nearCopy, { method });
      expect(errorStats(result.aligned.data, expected.subarray(0, 16)).elementwise).toBeLessThan(1e-5);
      expect(errorStats(result.unaligned.data, expected.subarray(16)).elementwise).toBeLessThan(1e-5);
      const self = await computeLocalDistances(q, q, { method });
      expect([0, 5, 10, 15].map((k) => self.unaligned.data[k])).toEqual([0, 0, 0, 0]);
    },
  );

  it("'auto' takes the fused kernel for an even stripe count and the Gram path otherwise; 'fused' refuses an odd one", async () => {
    expect(cpuLocalDistanceMethod(8)).toBe('fused');
    expect(cpuLocalDistanceMethod(2)).toBe('fused');
    expect(cpuLocalDistanceMethod(7)).toBe('gram');
    // The name the Retrieval panel and the benchmarks show.
    expect(localDistancePathName(8)).toBe('fused SIMD kernel, relaxed SIMD');
    expect(localDistancePathName(7)).toBe('matmul + SIMD kernel, relaxed SIMD');
    const q = randomStripes(3, 7, 4, 1);
    await expect(computeLocalDistances(q, q, { method: 'fused' })).rejects.toThrow(
      /even stripe count \(got 7\)/,
    );
    const auto = await computeLocalDistances(q, randomStripes(5, 7, 4, 2), {});
    expect(auto.aligned.cols).toBe(5);
  });

  it.each([
    // [images, H, c, bytes per buffer]
    [37, 8, 16, 4 * 1024],
    [23, 2, 5, 256],
    [41, 2, 2, 4096], // the kernel's plan: one gallery tile of 41 and query tiles of 13, made square
    [9, 4, 8, 64 * 1024 * 1024], // one tile
  ])(
    'a set against itself (%d images, H=%d, c=%d, %d-byte tiles): fewer pairs computed, the same distances, exactly symmetric',
    async (n, h, c, bytes) => {
      const set = randomStripes(n, h, c, n + 5, 0.3);
      const copy = { ...set, data: set.data.slice() }; // the same values, not recognised as the same set
      for (const method of methodsFor(h)) {
        const planOf = (oneSet: boolean) =>
          localDistanceTilePlan(n, n, h, c, {
            useKernel: method === 'kernel',
            maxBufferBytes: bytes,
            oneSet,
            fused: method === 'fused',
          });
        const pairsPerTile = (oneSet: boolean) => planOf(oneSet).queryTile * planOf(oneSet).galleryTile;
        // The kernel's tiles are made square; the CPU paths' skip work once there are several gallery tiles.
        const skips = method === 'kernel' || planOf(false).galleryTiles > 1;
        const tiles = { self: 0, copy: 0 };
        const self = await computeLocalDistances(set, set, {
          method,
          maxBufferBytes: bytes,
          onProgress: (_, total) => {
            tiles.self = total;
          },
        });
        const full = await computeLocalDistances(set, copy, {
          method,
          maxBufferBytes: bytes,
          onProgress: (_, total) => {
            tiles.copy = total;
          },
        });
        if (tiles.copy > 1 && skips) {
          expect(tiles.self * pairsPerTile(true), method).toBeLessThan(tiles.copy * pairsPerTile(false));
        }
        for (const which of ['aligned', 'unaligned'] as const) {
          const d = self[which].data;
          for (let r = 0; r < n; r++) {
            for (let k = 0; k < n; k++) expect(d[r * n + k]).toBe(d[k * n + r]);
          }
          expect(errorStats(d, full[which].data).elementwise, `${method} ${which}`).toBeLessThan(1e-5);
        }
      }
    },
  );

  it('can skip the unaligned matrix, handles empty sets, and stops when aborted', async () => {
    const q = randomStripes(6, 4, 8, 1);
    const g = randomStripes(9, 4, 8, 2);
    const aligned = (await computeLocalDistances(q, g, { unaligned: false, method: 'kernel' })).aligned.data;
    expect(aligned).toEqual(localDistanceValues(q.data, 6, g.data, 9, 4, 8).subarray(0, 54));
    const empty = await computeLocalDistances(randomStripes(0, 4, 8, 3), g);
    expect(empty.aligned.data).toHaveLength(0);
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const run = computeLocalDistances(q, g, {
      maxBufferBytes: 256,
      onProgress: (done) => done === 2 && controller.abort(new Error('stop')),
      signal: controller.signal,
    });
    await expect(run).rejects.toThrow('stop');
    expect(tf.memory().numTensors).toBe(before);
  });
});
