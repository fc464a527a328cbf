/**
 * The backward pass of GroupNorm (+ optional SiLU) on the CPU, in plain TypeScript with float64 sums: the
 * definition the SIMD kernel is tested against, and the cpu and wasm backends' fallback where WebAssembly
 * SIMD is missing. Same maths as the tf-ops gradient in `group-norm-grad.ts` (which the tests check it
 * against): with x̂ = (x − mean)·invStd per (sample, group) and u = x̂·γ + β,
 *   dU = dy (times SiLU'(u) = s·(1 + u·(1 − s)), s = σ(u), when fused);
 *   dβ = Σ dU, dγ = Σ dU·x̂ over N, H, W; dx = invStd·(g − mean(g) − x̂·mean(g·x̂)) with g = dU·γ.
 */
import { type GroupNormAttrs, sliceStatistics } from './group-norm-reference';

export interface GroupNormGradients {
  readonly dx: Float32Array;
  readonly dgamma: Float32Array;
  readonly dbeta: Float32Array;
}

/** `shape` is NHWC; `dy` is the gradient of the loss with respect to the op's output. */
export function groupNormGradReference(
  x: Float32Array,
  dy: Float32Array,
  shape: readonly [number, number, number, number],
  gamma: Float32Array,
  beta: Float32Array,
  { groups, eps, silu }: GroupNormAttrs,
): GroupNormGradients {
  const [batch, height, width, channels] = shape;
  const pixels = height * width;
  const perGroup = channels / groups;
  const count = pixels * perGroup;
  const dx = new Float32Array(x.length);
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  const dU = new Float64Array(pixels * channels);
  const xHat = new Float64Array(pixels * channels);
  for (let n = 0; n < batch; n++) {
    const start = n * pixels * channels;
    const { means, invStds } = sliceStatistics(x, start, pixels, channels, groups, eps);
    const meanG = new Float64Array(groups); // Σ g over the slice, then its mean
    const meanGXhat = new Float64Array(groups);
    for (let i = 0, c = 0; i < pixels * channels; i++) {
      const g = Math.floor(c / perGroup);
      const h = (x[start + i] - means[g]) * invStds[g];
      let d = dy[start + i];
      if (silu) {
        const u = h * gamma[c] + beta[c];
        const s = 1 / (1 + Math.exp(-u));
        d *= s * (1 + u * (1 - s));
      }
      xHat[i] = h;
      dU[i] = d;
      dbeta[c] += d;
      dgamma[c] += d * h;
      meanG[g] += d * gamma[c];
      meanGXhat[g] += d * gamma[c] * h;
      if (++c === channels) c = 0;
    }
    for (let g = 0; g < groups; g++) {
      meanG[g] /= count;
      meanGXhat[g] /= count;
    }
    for (let i = 0, c = 0; i < pixels * channels; i++) {
      const g = Math.floor(c / perGroup);
      dx[start + i] = invStds[g] * (dU[i] * gamma[c] - meanG[g] - xHat[i] * meanGXhat[g]);
      if (++c === channels) c = 0;
    }
  }
  return { dx, dgamma: Float32Array.from(dgamma), dbeta: Float32Array.from(dbeta) };
}
