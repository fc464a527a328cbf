import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateRanking, type ReidLabels } from './evaluate';

const labels = (pids: number[], camIds: number[]): ReidLabels => ({ pids, camIds });

/** Straightforward reference: drop junk, sort, then count. */
function reference(dist: number[], q: ReidLabels, g: ReidLabels) {
  const ng = g.pids.length;
  const aps: number[] = [];
  const firsts: number[] = [];
  for (let i = 0; i < q.pids.length; i++) {
    const kept = [...Array(ng).keys()]
      .filter((j) => g.pids[j] !== -1 && !(g.pids[j] === q.pids[i] && g.camIds[j] === q.camIds[i]))
      .sort((a, b) => dist[i * ng + a] - dist[i * ng + b] || a - b);
    const good = kept.map((j) => g.pids[j] === q.pids[i]);
    const r = good.filter(Boolean).length;
    if (r === 0) continue;
    let hits = 0;
    let sum = 0;
    good.forEach((isGood, k) => {
      if (isGood) sum += ++hits / (k + 1);
    });
    aps.push(sum / r);
    firsts.push(good.indexOf(true) + 1);
  }
  return {
    mAP: aps.reduce((a, b) => a + b, 0) / aps.length,
    rank1: firsts.filter((f) => f <= 1).length / firsts.length,
    rank5: firsts.filter((f) => f <= 5).length / firsts.length,
    valid: aps.length,
  };
}

describe('evaluateRanking', () => {
  it('drops same-camera matches and junk, keeps distractors as negatives (hand case)', () => {
    // Gallery sorted by distance: junk(-1), same-cam match, pid 2, good, distractor, good.
    const g = labels([1, 2, 1, 0, 1, -1], [0, 1, 1, 2, 2, 1]);
    const r = evaluateRanking([0.1, 0.2, 0.3, 0.4, 0.5, 0.05], labels([1], [0]), g);
    // Kept ranking: pid 2 (rank 1), good (rank 2), distractor (3), good (4).
    expect(r.firstMatchRank[0]).toBe(2);
    expect(r.rank1).toBe(0);
    expect(r.rank5).toBe(1);
    expect(r.ap[0]).toBeCloseTo((1 / 2 + 2 / 4) / 2, 12);
    expect(r.mAP).toBeCloseTo(0.5, 12);
    expect(r.mINP).toBeCloseTo(2 / 4, 12);
    expect(r.cmc[0]).toBe(0);
    expect(r.cmc[1]).toBe(1);
  });

  it('skips queries whose only matches share their camera', () => {
    const q = labels([1, 3], [0, 0]);
    const g = labels([1, 3, 2], [1, 0, 1]);
    const r = evaluateRanking([0.5, 0.1, 0.2, 0.1, 0.2, 0.3], q, g);
    expect(r.validQueries).toBe(1);
    expect(Number.isNaN(r.ap[1])).toBe(true);
    expect(r.firstMatchRank[1]).toBe(0);
    // Query 0: pid 3 (0.1), pid 2 (0.2), then its match (0.5): rank 3, AP 1/3.
    expect(r.firstMatchRank[0]).toBe(3);
    expect(r.rank1).toBe(0);
    expect(r.mAP).toBeCloseTo(1 / 3, 12);
  });

  it('breaks ties by gallery index and puts NaN distances last', () => {
    const g = labels([2, 1, 1], [1, 1, 2]);
    expect(evaluateRanking([0.3, 0.3, 0.3], labels([1], [0]), g).firstMatchRank[0]).toBe(2);
    expect(evaluateRanking([Number.NaN, 0.3, 0.4], labels([1], [0]), g).mAP).toBeCloseTo(1, 12);
  });

  it('checks the matrix size', () => {
    expect(() => evaluateRanking([0, 1], labels([1], [0]), labels([1, 2, 3], [1, 1, 1]))).toThrow(/1 x 3/);
  });

  // Random labelled problems: a few identities and cameras so that matches, same-camera junk and misses occur.
  const problem = fc
    .record({
      nq: fc.integer({ min: 1, max: 6 }),
      ng: fc.integer({ min: 1, max: 25 }),
      seed: fc.integer(),
    })
    .chain(({ nq, ng }) =>
      fc.record({
        qp: fc.array(fc.integer({ min: 1, max: 4 }), { minLength: nq, maxLength: nq }),
        qc: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: nq, maxLength: nq }),
        gp: fc.array(fc.integer({ min: -1, max: 4 }), { minLength: ng, maxLength: ng }),
        gc: fc.array(fc.integer({ min: 0, max: 2 }), { minLength: ng, maxLength: ng }),
        d: fc.array(fc.float({ min: 0, max: 10, noNaN: true }), { minLength: nq * ng, maxLength: nq * ng }),
      }),
    );

  it('perfect distances give rank-1 = mAP = 1 (property)', () => {
    fc.assert(
      fc.property(problem, ({ qp, qc, gp, gc }) => {
        const dist = qp.flatMap((p) => gp.map((gpid) => (gpid === p ? 0 : 1)));
        const r = evaluateRanking(dist, labels(qp, qc), labels(gp, gc));
        if (r.validQueries === 0) return;
        expect(r.rank1).toBe(1);
        expect(r.mAP).toBeCloseTo(1, 12);
        expect(r.mINP).toBeCloseTo(1, 12);
      }),
    );
  });

  it('matches a plain reference and stays within [0, 1] (property)', () => {
    fc.assert(
      fc.property(problem, ({ qp, qc, gp, gc, d }) => {
        const q = labels(qp, qc);
        const g = labels(gp, gc);
        const r = evaluateRanking(d, q, g);
        const ref = reference(d, q, g);
        expect(r.validQueries).toBe(ref.valid);
        if (ref.valid === 0) return;
        expect(r.mAP).toBeCloseTo(ref.mAP, 12);
        expect(r.rank1).toBeCloseTo(ref.rank1, 12);
        expect(r.rank5).toBeCloseTo(ref.rank5, 12);
        for (let k = 1; k < r.cmc.length; k++) expect(r.cmc[k]).toBeGreaterThanOrEqual(r.cmc[k - 1]);
        expect(r.cmc[r.cmc.length - 1]).toBeLessThanOrEqual(1);
        expect(r.mAP).toBeGreaterThan(0);
        expect(r.mAP).toBeLessThanOrEqual(1);
      }),
    );
  });

  it('depends only on the order of distances (property)', () => {
    fc.assert(
      fc.property(problem, ({ qp, qc, gp, gc, d }) => {
        // Integers, so that the transform below is strictly increasing in floating point too.
        const di = d.map((x) => Math.round(x * 100));
        const a = evaluateRanking(di, labels(qp, qc), labels(gp, gc));
        const b = evaluateRanking(
          di.map((x) => Math.exp(x / 300) * 2 + 1),
          labels(qp, qc),
          labels(gp, gc),
        );
        expect(b.mAP).toBe(a.mAP);
        expect([...b.cmc]).toEqual([...a.cmc]);
      }),
    );
  });
});
