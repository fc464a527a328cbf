/**
 * k-reciprocal re-ranking against a numpy transcription of the algorithm (scripts/reference/
 * make_reranking_fixture.py, itself checked against huanghoujing's `re_ranking` to 2.5e-7 when it was made),
 * on hand-checkable limits, and at a few thousand images.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../io/safetensors';
import { unwrap } from '../result';
import { errorStats, randomGlobal } from './distances.fixtures';
import type { DistanceMatrix } from './features';
import { globalDistance } from './global-distance';
import { reRank } from './re-ranking';

const FIXTURE = resolve(import.meta.dirname, 'fixtures/reranking_small.safetensors');

function loadFixture() {
  const file = unwrap(parseSafetensors(new Uint8Array(readFileSync(FIXTURE))), FIXTURE);
  const matrix = (name: string): DistanceMatrix => {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`no ${name} in ${FIXTURE}`);
    return { rows: t.shape[0], cols: t.shape[1], data: t.data };
  };
  const cases = JSON.parse(file.metadata.cases) as [number, number, number][];
  return { qg: matrix('q_g'), qq: matrix('q_q'), gg: matrix('g_g'), cases, matrix };
}

describe('k-reciprocal re-ranking', () => {
  const fixture = loadFixture();

  it.each(fixture.cases)('matches the numpy reference: k1=%d, k2=%d, lambda=%d', (k1, k2, lambda) => {
    const { qg, qq, gg, matrix } = fixture;
    const expected = matrix(`final.${k1}_${k2}_${lambda}`);
    const actual = reRank(qg, qq, gg, { k1, k2, lambda });
    expect([actual.rows, actual.cols]).toEqual([qg.rows, qg.cols]);
    const stats = errorStats(actual.data, expected.data);
    console.log(`re-ranking (${k1}, ${k2}, ${lambda}) vs numpy: max |a-b| ${stats.maxAbs.toExponential(2)}`);
    expect(stats.maxAbs).toBeLessThanOrEqual(1e-6);
  });

  it('uses k1 = 20, k2 = 6, lambda = 0.3 by default', () => {
    const { qg, qq, gg, matrix } = fixture;
    expect(reRank(qg, qq, gg).data).toEqual(reRank(qg, qq, gg, { k1: 20, k2: 6, lambda: 0.3 }).data);
    expect(errorStats(reRank(qg, qq, gg).data, matrix('final.20_6_0.3').data).maxAbs).toBeLessThanOrEqual(
      1e-6,
    );
  });

  it('with lambda = 1 returns the squared distances scaled by their column maxima', () => {
    // Query 0 at 0, gallery images at 1, 2 and 4 on a line: the scaling maximum for query 0 is 4² = 16.
    const qg = { rows: 1, cols: 3, data: Float32Array.of(1, 2, 4) };
    const qq = { rows: 1, cols: 1, data: Float32Array.of(0) };
    const gg = { rows: 3, cols: 3, data: Float32Array.of(0, 1, 3, 1, 0, 2, 3, 2, 0) };
    const result = reRank(qg, qq, gg, { k1: 2, k2: 1, lambda: 1 });
    expect([...result.data]).toEqual([1 / 16, 4 / 16, 16 / 16]);
  });

  it('pulls together two clusters that plain distances interleave', () => {
    // Two tight clusters of 12 in 8-d; the probe sits between them, slightly nearer cluster B's far side.
    // Re-ranking judges by shared neighbourhoods: the gallery items keep their own cluster's order.
    const features = randomGlobal(24, 8, 5, 0.05);
    for (let i = 0; i < 24; i++) features.data[i * 8] += i < 12 ? 0 : 3;
    const query = { count: 1, dims: 8, data: features.data.slice(0, 8) };
    const gallery = { count: 23, dims: 8, data: features.data.slice(8) };
    const qg = globalDistance(query, gallery);
    const qq = globalDistance(query, query);
    const gg = globalDistance(gallery, gallery);
    const reranked = reRank(qg, qq, gg, { k1: 6, k2: 3, lambda: 0.3 });
    // The query's own cluster (gallery 0..10) ranks ahead of the other cluster (11..22) in both.
    const worstSame = Math.max(...reranked.data.subarray(0, 11));
    const bestOther = Math.min(...reranked.data.subarray(11));
    expect(worstSame).toBeLessThan(bestOther);
    // The other cluster shares no reciprocal neighbours with the query: Jaccard distance 1.
    for (const v of reranked.data.subarray(11)) expect(v).toBeGreaterThanOrEqual(0.7);
  });

  it('re-ranks a few thousand images with memory linear in their number', () => {
    const query = randomGlobal(100, 16, 1);
    const gallery = randomGlobal(2400, 16, 2);
    const qg = globalDistance(query, gallery);
    const qq = globalDistance(query, query);
    const gg = globalDistance(gallery, gallery);
    const t0 = performance.now();
    const result = reRank(qg, qq, gg);
    console.log(`re-ranking 100 x 2400 (N = 2500): ${(performance.now() - t0).toFixed(0)} ms`);
    expect(result.data).toHaveLength(100 * 2400);
    expect(result.data.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it('validates shapes and parameters, and passes empty sets through', () => {
    const { qg, qq, gg } = fixture;
    expect(() => reRank(qg, gg, gg)).toThrow(/q_q must be 6x6/);
    expect(() => reRank(qg, qq, gg, { k1: 0 })).toThrow(/k1/);
    expect(() => reRank(qg, qq, gg, { k1: 5, k2: 7 })).toThrow(/k2/);
    expect(() => reRank(qg, qq, gg, { lambda: 1.5 })).toThrow(/lambda/);
    const noQueries = reRank(
      { rows: 0, cols: 3, data: new Float32Array(0) },
      { rows: 0, cols: 0, data: new Float32Array(0) },
      { rows: 3, cols: 3, data: new Float32Array(9) },
    );
    expect([noQueries.rows, noQueries.cols, noQueries.data.length]).toEqual([0, 3, 0]);
  });
});
