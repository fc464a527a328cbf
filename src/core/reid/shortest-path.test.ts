import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diagonalSum, shortestPath, shortestPathDistance } from './shortest-path';

/** An H×H matrix of values in [0, 1), as stripe distances are. */
const matrix = (maxH: number) =>
  fc.integer({ min: 1, max: maxH }).chain((h) =>
    fc
      .array(fc.float({ min: 0, max: Math.fround(0.999), noNaN: true }), {
        minLength: h * h,
        maxLength: h * h,
      })
      .map((values) => ({ h, d: Float64Array.from(values) })),
  );

const transpose = (d: ArrayLike<number>, h: number) =>
  Float64Array.from({ length: h * h }, (_, k) => d[(k % h) * h + Math.floor(k / h)]);

/** Every monotone path's cost, by enumeration: the definition of the minimum. */
function allPathCosts(d: ArrayLike<number>, h: number): number[] {
  const costs: number[] = [];
  const walk = (i: number, j: number, sum: number) => {
    const here = sum + d[i * h + j];
    if (i === h - 1 && j === h - 1) costs.push(here);
    if (i < h - 1) walk(i + 1, j, here);
    if (j < h - 1) walk(i, j + 1, here);
  };
  walk(0, 0, 0);
  return costs;
}

describe('shortest path through the stripe distances', () => {
  it('solves a hand-checked 3×3 case', () => {
    // The cheap cells form the path (0,0) → (1,0) → (1,1) → (1,2) → (2,2): 0.1 + 0.1 + 0.1 + 0.1 + 0.1.
    const d = [0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9, 0.1];
    expect(shortestPathDistance(d, 3)).toBeCloseTo(0.5, 12);
    expect(diagonalSum(d, 3)).toBeCloseTo(0.3, 12);
    expect(shortestPath(d, 3).path).toEqual([
      [0, 0],
      [1, 0],
      [1, 1],
      [1, 2],
      [2, 2],
    ]);
  });

  it('H = 1 is the single cell', () => {
    expect(shortestPathDistance([0.25], 1)).toBe(0.25);
    expect(shortestPath([0.25], 1)).toEqual({ distance: 0.25, path: [[0, 0]] });
  });

  it('equals the minimum over all monotone paths (enumerated, H ≤ 6)', () => {
    fc.assert(
      fc.property(matrix(6), ({ h, d }) => {
        const best = Math.min(...allPathCosts(d, h));
        expect(shortestPathDistance(d, h)).toBeCloseTo(best, 12);
      }),
    );
  });

  it('returns a valid path of 2H − 1 cells whose cost is the distance', () => {
    fc.assert(
      fc.property(matrix(16), ({ h, d }) => {
        const { distance, path } = shortestPath(d, h);
        expect(distance).toBe(shortestPathDistance(d, h));
        expect(path).toHaveLength(2 * h - 1);
        expect(path[0]).toEqual([0, 0]);
        expect(path[path.length - 1]).toEqual([h - 1, h - 1]);
        let cost = d[0];
        for (let k = 1; k < path.length; k++) {
          const [di, dj] = [path[k][0] - path[k - 1][0], path[k][1] - path[k - 1][1]];
          expect(di + dj === 1 && di >= 0 && dj >= 0, `step ${k}: (${di}, ${dj})`).toBe(true);
          cost += d[path[k][0] * h + path[k][1]];
        }
        expect(cost).toBeCloseTo(distance, 12);
      }),
    );
  });

  it('is symmetric: the transposed matrix (query and gallery swapped) has the same distance', () => {
    fc.assert(
      fc.property(matrix(16), ({ h, d }) => {
        expect(shortestPathDistance(transpose(d, h), h)).toBeCloseTo(shortestPathDistance(d, h), 12);
      }),
    );
  });

  it('lies between (2H − 1)·min d and the staircase paths around the diagonal', () => {
    fc.assert(
      fc.property(matrix(16), ({ h, d }) => {
        const s = shortestPathDistance(d, h);
        let above = 0;
        let below = 0;
        for (let i = 0; i + 1 < h; i++) {
          above += d[i * h + i + 1];
          below += d[(i + 1) * h + i];
        }
        const diagonal = diagonalSum(d, h);
        expect(s).toBeLessThanOrEqual(diagonal + Math.min(above, below) + 1e-12);
        expect(s).toBeGreaterThanOrEqual((2 * h - 1) * Math.min(...d) - 1e-12);
      }),
    );
  });

  it('uses the scratch row without allocating, at any offset', () => {
    const d = Float64Array.from([9, 9, 9, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.9, 0.9, 0.1]);
    const row = new Float64Array(3);
    expect(shortestPathDistance(d, 3, 3, row)).toBeCloseTo(0.5, 12);
    expect(diagonalSum(d, 3, 3)).toBeCloseTo(0.3, 12);
  });

  it('rejects a matrix smaller than H×H', () => {
    expect(() => shortestPath([1, 2, 3], 2)).toThrow(/2x2/);
  });
});
