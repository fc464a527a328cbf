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

/**
 * Per group, the mean and 1/sqrt(var + eps) of one sample's [pixels, channels] slice of NHWC `x` starting at
 * `start`: two passes (mean, then mean squared deviation), summed in float64.
 */
export function sliceStatistics(
  x: Float32Array,
  start: number,
  pixels: number,
  channels: number,
  groups: number,
  eps: number,
): { means: Float64Array; invStds: Float64Array } {
  const channelsPerGroup = channels / groups;
  const count = pixels * channelsPerGroup;
  // groupOf[c]: NHWC keeps a pixel's channels together, so each pass sweeps the sample's memory once, in
  // order, accumulating every group at the same time (several times faster than a sweep per group).
  const groupOf = Int32Array.from({ length: channels }, (_, c) => Math.floor(c / channelsPerGroup));
  const means = new Float64Array(groups);
  const invStds = new Float64Array(groups);
  const end = start + pixels * channels;
  for (let i = start, c = 0; i < end; i++) {
    means[groupOf[c]] += x[i];
    if (++c === channels) c = 0;
  }
  for (let g = 0; g < groups; g++) means[g] /= count;
  for (let i = start, c = 0; i < end; i++) {
    const d = x[i] - means[groupOf[c]];
    invStds[groupOf[c]] += d * d;
    if (++c === channels) c = 0;
  }
  for (let g = 0; g < groups; g++) invStds[g] = 1 / Math.sqrt(invStds[g] / count + eps);
  return { means, invStds };
}

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
  const out = new Float32Array(x.length);
  const groupOf = Int32Array.from({ length: channels }, (_, c) => Math.floor(c / channelsPerGroup));
  for (let n = 0; n < batch; n++) {
    const start = n * pixels * channels;
    const end = start + pixels * channels;
    const { means, invStds } = sliceStatistics(x, start, pixels, channels, groups, eps);
    for (let i = start, c = 0; i < end; i++) {
      const g = groupOf[c];
      const y = (x[i] - means[g]) * invStds[g] * gamma[c] + beta[c];
      out[i] = silu ? y / (1 + Math.exp(-y)) : y;
      if (++c === channels) c = 0;
    }
  }
  return out;
}
