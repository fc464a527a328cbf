import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fitGaussian, frechetDistance, type GaussianFit, symmetricEigen } from './frechet';

const gaussian = (mean: number[], cov: number[][]): GaussianFit => ({
  dim: mean.length,
  mean: Float64Array.from(mean),
  cov: Float64Array.from(cov.flat()),
  count: 100,
});

describe('Fréchet distance', () => {
  it('equals the closed form for diagonal covariances', () => {
    // |Δμ|² + Σ (a + b − 2√(ab)) = (1 + 4) + (1 + 4 − 4) + (9 + 1 − 6) = 5 + 1 + 4
    const d = frechetDistance(
      gaussian(
        [0, 0],
        [
          [1, 0],
          [0, 9],
        ],
      ),
      gaussian(
        [1, 2],
        [
          [4, 0],
          [0, 1],
        ],
      ),
    );
    expect(d).toBeCloseTo(10, 10);
  });

  it('is 0 between identical fits and symmetric (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -3, max: 3, noNaN: true }), { minLength: 24, maxLength: 24 }),
        (xs) => {
          const a = fitGaussian(Float64Array.from(xs.slice(0, 12)), 4, 3);
          const b = fitGaussian(Float64Array.from(xs.slice(12)), 4, 3);
          expect(frechetDistance(a, a)).toBeLessThan(1e-8);
          expect(Math.abs(frechetDistance(a, b) - frechetDistance(b, a))).toBeLessThan(
            1e-6 * (1 + frechetDistance(a, b)),
          );
        },
      ),
      { numRuns: 50 },
    );
  });

  it('matches numpy.cov for the covariance', () => {
    const g = fitGaussian(Float64Array.from([1, 2, 3, 5, 2, 2]), 3, 2);
    expect(Array.from(g.mean)).toEqual([2, 3]);
    // numpy.cov([[1, 3, 2], [2, 5, 2]]) = [[1, 1.5], [1.5, 3]]
    expect(Array.from(g.cov).map((v) => Number(v.toFixed(12)))).toEqual([1, 1.5, 1.5, 3]);
  });

  it('Jacobi eigendecomposition reconstructs the matrix', () => {
    const m = Float64Array.from([4, 1, 2, 1, 3, 0, 2, 0, 5]);
    const { values, vectors } = symmetricEigen(m, 3);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let s = 0;
        for (let k = 0; k < 3; k++) s += vectors[i * 3 + k] * values[k] * vectors[j * 3 + k];
        expect(s).toBeCloseTo(m[i * 3 + j], 10);
      }
    }
    expect(values.reduce((a, b) => a + b, 0)).toBeCloseTo(12, 10);
  });
});
