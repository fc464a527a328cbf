import { describe, expect, it } from 'vitest';
import { errorStats, randomStripes } from '../../src/core/reid/distances.fixtures';
import { localDistanceValues } from '../../src/core/reid/local-distance-reference';
import { computeLocalDistancesInThreads, startLocalDistanceThreads } from './parallel-local-distances';

describe('local distances on worker threads', () => {
  it('two threads over small gallery ranges give the reference distances, every pair once', async () => {
    const [nq, ng, h, c] = [23, 37, 8, 32];
    const q = randomStripes(nq, h, c, 5);
    const g = randomStripes(ng, h, c, 6);
    const expected = localDistanceValues(q.data, nq, g.data, ng, h, c);
    const progress: number[] = [];
    const result = await computeLocalDistancesInThreads(q, g, {
      threads: 2,
      galleryPerRange: 4,
      onProgress: (done) => progress.push(done),
    });
    expect(errorStats(result.aligned.data, expected.subarray(0, nq * ng)).elementwise).toBeLessThan(1e-5);
    expect(errorStats(result.unaligned.data, expected.subarray(nq * ng)).elementwise).toBeLessThan(1e-5);
    expect(progress).toHaveLength(10); // 37 gallery images in ranges of 4
    expect(progress.at(-1)).toBe(ng);
  }, 60_000);

  it('a thread compiles the relaxed-SIMD (fused multiply-add) kernels: the V8 flag reaches it', async () => {
    const pool = startLocalDistanceThreads(1);
    try {
      expect(pool.kernelBuilds).toEqual([null]);
      await pool.compute(randomStripes(4, 8, 16, 1), randomStripes(8, 8, 16, 2));
      expect(pool.kernelBuilds).toEqual(['relaxed']);
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a pool of threads serves several problems of different shapes', async () => {
    const pool = startLocalDistanceThreads(2);
    try {
      for (const [nq, ng, h, c, seed] of [
        [9, 13, 4, 16, 1],
        [5, 3, 16, 7, 2],
      ]) {
        const q = randomStripes(nq, h, c, seed);
        const g = randomStripes(ng, h, c, seed + 10);
        const expected = localDistanceValues(q.data, nq, g.data, ng, h, c);
        const { aligned } = await pool.compute(q, g, { galleryPerRange: 2, unaligned: false });
        expect(errorStats(aligned.data, expected.subarray(0, nq * ng)).elementwise).toBeLessThan(1e-5);
      }
    } finally {
      await pool.close();
    }
  }, 60_000);

  it('a set against itself: only ranges of the upper triangle, mirrored, the reference distances', async () => {
    const [n, h, c] = [29, 8, 16];
    const set = randomStripes(n, h, c, 7);
    const expected = localDistanceValues(set.data, n, set.data, n, h, c);
    const result = await computeLocalDistancesInThreads(set, set, { threads: 2, galleryPerRange: 4 });
    expect(errorStats(result.aligned.data, expected.subarray(0, n * n)).elementwise).toBeLessThan(1e-5);
    expect(errorStats(result.unaligned.data, expected.subarray(n * n)).elementwise).toBeLessThan(1e-5);
    for (let r = 0; r < n; r++) {
      for (let k = 0; k < r; k++) expect(result.aligned.data[r * n + k]).toBe(result.aligned.data[k * n + r]);
    }
  }, 60_000);

  it('stops when aborted and reports bad features', async () => {
    const q = randomStripes(40, 4, 8, 1);
    const g = randomStripes(50, 4, 8, 2);
    const controller = new AbortController();
    const run = computeLocalDistancesInThreads(q, g, {
      threads: 2,
      galleryPerRange: 1,
      signal: controller.signal,
      onProgress: (done) => done === 2 && controller.abort(new Error('stop')),
    });
    await expect(run).rejects.toThrow('stop');
    q.data[5] = Number.NaN;
    await expect(computeLocalDistancesInThreads(q, g)).rejects.toThrow(/index 5/);
  }, 60_000);
});
