/**
 * The Fréchet distance between two Gaussians fitted to feature sets (the "F" of FID):
 *   d² = |μ1 − μ2|² + Tr(Σ1 + Σ2 − 2 (Σ1^½ Σ2 Σ1^½)^½),
 * in float64. The matrix square root goes through symmetric eigendecompositions (Jacobi), which is exact
 * for the positive semi-definite covariances here and needs no complex arithmetic (scipy's sqrtm does).
 */

export interface GaussianFit {
  dim: number;
  mean: Float64Array;
  /** Row-major dim x dim, unbiased (n - 1), as numpy.cov. */
  cov: Float64Array;
  count: number;
}

/** Mean and covariance of `count` row vectors of length `dim`. */
export function fitGaussian(features: Float32Array | Float64Array, count: number, dim: number): GaussianFit {
  if (count < 2) throw new Error(`A covariance needs at least 2 feature vectors, got ${count}.`);
  const mean = new Float64Array(dim);
  for (let i = 0; i < count; i++) for (let j = 0; j < dim; j++) mean[j] += features[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= count;
  const cov = new Float64Array(dim * dim);
  const centred = new Float64Array(dim);
  for (let i = 0; i < count; i++) {
    for (let j = 0; j < dim; j++) centred[j] = features[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ca = centred[a];
      if (ca === 0) continue;
      for (let b = a; b < dim; b++) cov[a * dim + b] += ca * centred[b];
    }
  }
  for (let a = 0; a < dim; a++) {
    for (let b = a; b < dim; b++) {
      const v = cov[a * dim + b] / (count - 1);
      cov[a * dim + b] = v;
      cov[b * dim + a] = v;
    }
  }
  return { dim, mean, cov, count };
}

/** Eigenvalues and eigenvectors (columns of `vectors`, row-major) of a symmetric matrix, by cyclic Jacobi. */
export function symmetricEigen(
  matrix: Float64Array,
  n: number,
): { values: Float64Array; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < n; p++) for (let q = p + 1; q < n; q++) off += a[p * n + q] ** 2;
    if (off < 1e-30) break;
    for (let p = 0; p < n; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p];
          const akq = a[k * n + q];
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k];
          const aqk = a[q * n + k];
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p];
          const vkq = v[k * n + q];
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  for (let i = 0; i < n; i++) values[i] = a[i * n + i];
  return { values, vectors: v };
}

/** Σ^½ of a symmetric PSD matrix (tiny negative eigenvalues from rounding are clamped to 0). */
function psdSqrt(m: Float64Array, n: number): Float64Array {
  const { values, vectors } = symmetricEigen(m, n);
  const out = new Float64Array(n * n);
  for (let k = 0; k < n; k++) {
    const s = Math.sqrt(Math.max(0, values[k]));
    if (s === 0) continue;
    for (let i = 0; i < n; i++) {
      const vik = vectors[i * n + k] * s;
      for (let j = 0; j < n; j++) out[i * n + j] += vik * vectors[j * n + k];
    }
  }
  return out;
}

function matMul(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k];
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] += aik * b[k * n + j];
    }
  }
  return out;
}

export function frechetDistance(x: GaussianFit, y: GaussianFit): number {
  const n = x.dim;
  if (y.dim !== n) throw new Error(`feature dimensions differ: ${x.dim} vs ${y.dim}`);
  let meanTerm = 0;
  for (let i = 0; i < n; i++) meanTerm += (x.mean[i] - y.mean[i]) ** 2;
  const s1 = psdSqrt(x.cov, n);
  const inner = matMul(matMul(s1, y.cov, n), s1, n);
  // Symmetrise: rounding leaves inner a hair off symmetric, which Jacobi assumes.
  for (let i = 0; i < n; i++) {
    for (let j = i + 1; j < n; j++) {
      const m = (inner[i * n + j] + inner[j * n + i]) / 2;
      inner[i * n + j] = m;
      inner[j * n + i] = m;
    }
  }
  const { values } = symmetricEigen(inner, n);
  let traceSqrt = 0;
  for (const v of values) traceSqrt += Math.sqrt(Math.max(0, v));
  let trace = 0;
  for (let i = 0; i < n; i++) trace += x.cov[i * n + i] + y.cov[i * n + i];
  return Math.max(0, meanTerm + trace - 2 * traceSqrt);
}
