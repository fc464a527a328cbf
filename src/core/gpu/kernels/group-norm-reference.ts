/**
 * GroupNorm (+ optional SiLU) on the CPU, in plain TypeScript: the definition the WGSL kernel is tested
 * against, and the implementation on the cpu, wasm and webgl backends.
 *
 * Semantics of PyTorch `nn.GroupNorm(num_groups, C, eps)` followed by an optional `x * sigmoid(x)`, on NHWC
 * data: for each sample n and group g (C / groups consecutive channels), over all pixels and the group's
 * channels, mean and biased variance (divided by the count); y = (x - mean) / sqrt(var + eps) * gamma[c] +
 * beta[c]. Sums are accumulated in float64, two-pass (mean, then mean squared deviation) for accuracy.
 */

/** The attributes of a GroupNorm: how many channel groups, the variance epsilon, and a fused SiLU. */
export type GroupNormAttrs = {
  groups: number;
  eps: number;
  silu: boolean;
};

/** `shape` is NHWC; `gamma` and `beta` have one entry per channel. */
export function groupNormReference(
  x: Float32Array,
  shape: readonly [number, number, number, number],
  gamma: Float32Array,
  beta: Float32Array,
  attrs: GroupNormAttrs,
): Float32Array {
  const [batch, height, width, channels] = shape;
  const { groups, eps, silu } = attrs;
  const pixels = height * width;
  const channelsPerGroup = channels / groups;
  const count = pixels * channelsPerGroup;
  const out = new Float32Array(x.length);
  for (let n = 0; n < batch; n++) {
    for (let g = 0; g < groups; g++) {
      const firstChannel = g * channelsPerGroup;
      const indexOf = (p: number, k: number) => (n * pixels + p) * channels + firstChannel + k;
      let sum = 0;
      for (let p = 0; p < pixels; p++) {
        for (let k = 0; k < channelsPerGroup; k++) sum += x[indexOf(p, k)];
      }
      const mean = sum / count;
      let squares = 0;
      for (let p = 0; p < pixels; p++) {
        for (let k = 0; k < channelsPerGroup; k++) {
          const d = x[indexOf(p, k)] - mean;
          squares += d * d;
        }
      }
      const invStd = 1 / Math.sqrt(squares / count + eps);
      for (let p = 0; p < pixels; p++) {
        for (let k = 0; k < channelsPerGroup; k++) {
          const i = indexOf(p, k);
          const c = firstChannel + k;
          const y = (x[i] - mean) * invStd * gamma[c] + beta[c];
          out[i] = silu ? y / (1 + Math.exp(-y)) : y;
        }
      }
    }
  }
  return out;
}
