import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { randomGlobal } from './distances.fixtures';
import { globalFeatures, l2NormalizeRows } from './features';
import { globalDistance } from './global-distance';

describe('global distance', () => {
  it('is the Euclidean distance: a hand-checked 3-4-5 case', () => {
    const q = globalFeatures(Float32Array.of(0, 0, 3, 4), 2, 2);
    const g = globalFeatures(Float32Array.of(3, 4, 0, 0, 6, 8), 3, 2);
    expect([...globalDistance(q, g).data]).toEqual([5, 0, 10, 0, 5, 5]);
  });

  it('normalised: unit vectors, so distances lie in [0, 2]; scale no longer matters', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 5 }),
        fc.integer({ min: 1, max: 40 }),
        fc.constantFrom(1, 1e3, 1e20),
        fc.integer({ min: 0, max: 1e6 }),
        (nq, ng, dims, scale, seed) => {
          // A row of norm n normalises to n / (n + eps): one of norm 1.7e-3 (a 1-d draw) is 7e-5 short of a
          // unit vector, more than the tolerance below, so the claim holds for rows well above eps.
          const unscaledRows = randomGlobal(nq, dims, seed);
          for (let r = 0; r < nq; r++) {
            const row = unscaledRows.data.subarray(r * dims, (r + 1) * dims);
            fc.pre(Math.hypot(...row) >= 1e-2);
          }
          const q = randomGlobal(nq, dims, seed, scale);
          const g = randomGlobal(ng, dims, seed + 1);
          const d = globalDistance(q, g, { normalize: true });
          const unscaled = globalDistance(unscaledRows, g, { normalize: true });
          for (let k = 0; k < d.data.length; k++) {
            expect(d.data[k]).toBeGreaterThanOrEqual(0);
            expect(d.data[k]).toBeLessThanOrEqual(2 + 1e-6);
            expect(d.data[k]).toBeCloseTo(unscaled.data[k], 4);
          }
        },
      ),
    );
  });

  it('is symmetric with an exact zero diagonal, at any scale', () => {
    for (const scale of [1e-3, 1, 1e20, 1e36]) {
      const x = randomGlobal(6, 33, 9, scale);
      const d = globalDistance(x, x);
      for (let i = 0; i < 6; i++) {
        expect(d.data[i * 6 + i]).toBe(0);
        for (let j = 0; j < 6; j++) expect(d.data[i * 6 + j]).toBeCloseTo(d.data[j * 6 + i], 0);
        for (let j = 0; j < 6; j++) expect(Number.isFinite(d.data[i * 6 + j])).toBe(true);
      }
    }
  });

  it('normalising divides by the norm + float32 eps, and keeps zero vectors at zero', () => {
    const [a, b, c, d] = l2NormalizeRows(Float32Array.of(0, 0, 3, 4), 2);
    expect([a, b]).toEqual([0, 0]);
    expect(c).toBeCloseTo(0.6, 6);
    expect(d).toBeCloseTo(0.8, 6);
  });

  it('rejects mismatched dimensions and non-finite features', () => {
    const q = globalFeatures(new Float32Array(4), 2, 2);
    expect(() => globalDistance(q, globalFeatures(new Float32Array(3), 1, 3))).toThrow(/dims/);
    expect(() => globalDistance(q, globalFeatures(Float32Array.of(Number.NaN, 0), 1, 2))).toThrow(
      /not finite/,
    );
  });
});
