/**
 * GroupNorm (+ SiLU) forward and backward in WebAssembly SIMD (`wasm/group-norm.wat`): the path of the cpu
 * and wasm backends, where the plain-TypeScript reference and the tf-ops gradient spent about a third of a
 * small UNet's training step. The kernel sweeps one sample at a time, four channels per vector, and stops
 * at per-channel sums; the group statistics (any channels per group) are folded here in float64.
 *
 * Takes NHWC data whose channel count is a multiple of 4; other shapes, or engines without WebAssembly SIMD,
 * get null and run the references.
 */
import { compileWasm, ensureMemory, layoutRegions } from '../wasm-module';
import type { GroupNormGradients } from './group-norm-grad-reference';
import type { GroupNormAttrs } from './group-norm-reference';
import { WASM_BASE64 } from './wasm/group-norm.wasm';

interface GroupNormExports {
  readonly memory: WebAssembly.Memory;
  channelSums(x: number, pixels: number, channels: number, acc: number): void;
  channelSquaredDeviations(x: number, pixels: number, channels: number, mean: number, acc: number): void;
  scaleShift(
    x: number,
    out: number,
    pixels: number,
    channels: number,
    center: number,
    scale: number,
    shift: number,
  ): void;
  sigmoidInPlace(ptr: number, vectors: number, timesSelf: number): void;
  backwardSums(
    x: number,
    dy: number,
    du: number,
    pixels: number,
    channels: number,
    mean: number,
    invStd: number,
    gamma: number,
    beta: number,
    silu: number,
    sumDu: number,
    sumDuXhat: number,
  ): void;
  combine(
    a: number,
    b: number,
    out: number,
    pixels: number,
    channels: number,
    ca: number,
    cb: number,
    cm: number,
    cd: number,
  ): void;
}

type Nhwc = readonly [number, number, number, number];

let instance: GroupNormExports | null | undefined;
let enabled = true;

/** This thread's instance, or null without WebAssembly SIMD. */
function kernel(): GroupNormExports | null {
  if (instance === undefined) {
    const module = compileWasm(WASM_BASE64);
    instance = module ? (new WebAssembly.Instance(module).exports as unknown as GroupNormExports) : null;
  }
  return instance;
}

/** Turns the SIMD path off (the references run instead): for benchmarks that time both side by side. */
export function setGroupNormSimd(on: boolean): void {
  enabled = on;
}

/** Whether the SIMD kernel takes this NHWC shape here. */
export function groupNormSimdFits(shape: readonly number[]): boolean {
  const [n, h, w, c] = shape;
  return enabled && kernel() !== null && n > 0 && h * w > 0 && c > 0 && c % 4 === 0;
}

/** Per-channel f32 vectors the passes read, written from f64 per-group or per-channel values. */
class ChannelVectors {
  constructor(
    private readonly memory: WebAssembly.Memory,
    private readonly channels: number,
    private readonly groups: number,
  ) {}

  view(at: number): Float32Array {
    return new Float32Array(this.memory.buffer, at, this.channels);
  }

  /** Σ over each group's channels of the f32 sums at `at` (the kernel's per-channel accumulators). */
  groupSums(at: number, weights?: Float32Array): Float64Array {
    const sums = this.view(at);
    const perGroup = this.channels / this.groups;
    const out = new Float64Array(this.groups);
    for (let c = 0; c < this.channels; c++)
      out[Math.floor(c / perGroup)] += sums[c] * (weights ? weights[c] : 1);
    return out;
  }

  /** Writes value(c, g) for every channel c of group g at `at`. */
  fill(at: number, value: (c: number, g: number) => number): void {
    const v = this.view(at);
    const perGroup = this.channels / this.groups;
    for (let c = 0; c < this.channels; c++) v[c] = value(c, Math.floor(c / perGroup));
  }
}

/**
 * Lays out the tensors and per-channel vectors in the instance's memory (growing it) and copies the inputs in.
 * `tensors` are [N, H, W, C] arrays (null: an output region); every vector is `channels` floats.
 */
function prepare<T extends string, V extends string>(
  k: GroupNormExports,
  shape: Nhwc,
  tensors: Record<T, Float32Array | null>,
  vectors: readonly V[],
  gamma: Float32Array,
  beta: Float32Array,
) {
  const channelBytes = shape[3] * 4;
  const tensorBytes = shape[0] * shape[1] * shape[2] * channelBytes;
  const sizes = {} as Record<T | V | 'gamma' | 'beta', number>;
  for (const t of Object.keys(tensors) as T[]) sizes[t] = tensorBytes;
  for (const v of [...vectors, 'gamma', 'beta'] as const) sizes[v] = channelBytes;
  const { at, bytes } = layoutRegions(sizes);
  ensureMemory(k.memory, bytes, 'groupNorm SIMD kernel');
  for (const [t, values] of Object.entries(tensors) as [T, Float32Array | null][]) {
    if (values) new Float32Array(k.memory.buffer, at[t], values.length).set(values);
  }
  new Float32Array(k.memory.buffer, at.gamma, shape[3]).set(gamma);
  new Float32Array(k.memory.buffer, at.beta, shape[3]).set(beta);
  return { at, sliceBytes: shape[1] * shape[2] * channelBytes, length: tensorBytes / 4 };
}

/** Writes each group's mean and 1/sqrt(var + eps) as per-channel vectors at `mean` and `invStd`. */
function statistics(
  k: GroupNormExports,
  vectors: ChannelVectors,
  x: number,
  pixels: number,
  channels: number,
  count: number,
  eps: number,
  at: { mean: number; invStd: number; acc: number },
): void {
  k.channelSums(x, pixels, channels, at.acc);
  const means = vectors.groupSums(at.acc).map((s) => s / count);
  vectors.fill(at.mean, (_, g) => means[g]);
  k.channelSquaredDeviations(x, pixels, channels, at.mean, at.acc);
  const invStds = vectors.groupSums(at.acc).map((s) => 1 / Math.sqrt(s / count + eps));
  vectors.fill(at.invStd, (_, g) => invStds[g]);
}

/** GroupNorm (+ SiLU) of NHWC `x`, as `groupNormReference`; null where `groupNormSimdFits` is false. */
export function groupNormSimd(
  x: Float32Array,
  shape: Nhwc,
  gamma: Float32Array,
  beta: Float32Array,
  { groups, eps, silu }: GroupNormAttrs,
): Float32Array | null {
  const k = kernel();
  if (!k || !groupNormSimdFits(shape)) return null;
  const [batch, height, width, channels] = shape;
  const pixels = height * width;
  const count = (pixels * channels) / groups;
  const { at, sliceBytes, length } = prepare(
    k,
    shape,
    { x, out: null },
    ['mean', 'invStd', 'scale', 'acc'],
    gamma,
    beta,
  );
  const vectors = new ChannelVectors(k.memory, channels, groups);
  for (let n = 0; n < batch; n++) {
    const offset = n * sliceBytes;
    statistics(k, vectors, at.x + offset, pixels, channels, count, eps, at);
    const invStd = vectors.view(at.invStd);
    vectors.fill(at.scale, (c) => gamma[c] * invStd[c]);
    k.scaleShift(at.x + offset, at.out + offset, pixels, channels, at.mean, at.scale, at.beta);
    if (silu) k.sigmoidInPlace(at.out + offset, (pixels * channels) / 4, 1);
  }
  return new Float32Array(k.memory.buffer, at.out, length).slice();
}

/** The gradients of `groupNormSimd`, as `groupNormGradReference`; null where `groupNormSimdFits` is false. */
export function groupNormGradSimd(
  x: Float32Array,
  dy: Float32Array,
  shape: Nhwc,
  gamma: Float32Array,
  beta: Float32Array,
  { groups, eps, silu }: GroupNormAttrs,
): GroupNormGradients | null {
  const k = kernel();
  if (!k || !groupNormSimdFits(shape)) return null;
  const [batch, height, width, channels] = shape;
  const pixels = height * width;
  const count = (pixels * channels) / groups;
  const { at, sliceBytes, length } = prepare(
    k,
    shape,
    { x, dy, du: null, dx: null },
    ['mean', 'invStd', 'scale', 'acc', 'sumDuXhat', 'ca', 'cb', 'cd'],
    gamma,
    beta,
  );
  const vectors = new ChannelVectors(k.memory, channels, groups);
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  for (let n = 0; n < batch; n++) {
    const offset = n * sliceBytes;
    statistics(k, vectors, at.x + offset, pixels, channels, count, eps, at);
    if (silu) {
      // σ(u) into $du for backwardSums, u = x̂·γ + β.
      const invStd = vectors.view(at.invStd);
      vectors.fill(at.scale, (c) => gamma[c] * invStd[c]);
      k.scaleShift(at.x + offset, at.du + offset, pixels, channels, at.mean, at.scale, at.beta);
      k.sigmoidInPlace(at.du + offset, (pixels * channels) / 4, 0);
    }
    k.backwardSums(
      at.x + offset,
      at.dy + offset,
      at.du + offset,
      pixels,
      channels,
      at.mean,
      at.invStd,
      at.gamma,
      at.beta,
      silu ? 1 : 0,
      at.acc,
      at.sumDuXhat,
    );
    const sumDu = vectors.view(at.acc);
    const sumDuXhat = vectors.view(at.sumDuXhat);
    for (let c = 0; c < channels; c++) {
      dbeta[c] += sumDu[c];
      dgamma[c] += sumDuXhat[c];
    }
    // mean(g) and mean(g·x̂) per group, g = dU·γ.
    const meanG = vectors.groupSums(at.acc, gamma).map((s) => s / count);
    const meanGXhat = vectors.groupSums(at.sumDuXhat, gamma).map((s) => s / count);
    const invStd = vectors.view(at.invStd);
    // dx = invStd·γ·dU − invStd²·mean(g·x̂)·(x − mean) − invStd·mean(g)
    vectors.fill(at.ca, (c) => invStd[c] * gamma[c]);
    vectors.fill(at.cb, (c, g) => -invStd[c] * invStd[c] * meanGXhat[g]);
    vectors.fill(at.cd, (c, g) => -invStd[c] * meanG[g]);
    k.combine(at.du + offset, at.x + offset, at.dx + offset, pixels, channels, at.ca, at.cb, at.mean, at.cd);
  }
  return {
    dx: new Float32Array(k.memory.buffer, at.dx, length).slice(),
    dgamma: Float32Array.from(dgamma),
    dbeta: Float32Array.from(dbeta),
  };
}
