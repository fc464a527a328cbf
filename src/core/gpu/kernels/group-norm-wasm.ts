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

const VECTORS = ['mean', 'invStd', 'scale', 'acc', 'sumDuXhat', 'ca', 'cb', 'cd', 'gamma', 'beta'] as const;

/**
 * One call's layout in the instance's memory: the [N, H, W, C] tensors named in `tensors` (null: an output
 * region), then the per-channel vectors, each `channels` floats. Grows the memory and copies the inputs in.
 */
class GroupNormCall<T extends string> {
  readonly at: Record<'x' | T | (typeof VECTORS)[number], number>;
  readonly vectors: ChannelVectors;
  readonly pixels: number;
  readonly channels: number;
  /** Values per (sample, group). */
  readonly count: number;
  readonly sliceBytes: number;
  readonly length: number;

  constructor(
    readonly k: GroupNormExports,
    readonly shape: Nhwc,
    tensors: Record<'x' | T, Float32Array | null>,
    gamma: Float32Array,
    beta: Float32Array,
    readonly attrs: GroupNormAttrs,
  ) {
    const [, height, width, channels] = shape;
    this.pixels = height * width;
    this.channels = channels;
    this.count = (this.pixels * channels) / attrs.groups;
    this.sliceBytes = this.pixels * channels * 4;
    this.length = shape[0] * this.pixels * channels;
    const sizes = {} as Record<'x' | T | (typeof VECTORS)[number], number>;
    for (const t of Object.keys(tensors) as ('x' | T)[]) sizes[t] = this.length * 4;
    for (const v of VECTORS) sizes[v] = channels * 4;
    const { at, bytes } = layoutRegions(sizes);
    this.at = at;
    ensureMemory(k.memory, bytes, 'groupNorm SIMD kernel');
    for (const [t, values] of Object.entries(tensors) as ['x' | T, Float32Array | null][]) {
      if (values) new Float32Array(k.memory.buffer, at[t], values.length).set(values);
    }
    this.vectors = new ChannelVectors(k.memory, channels, attrs.groups);
    this.vectors.view(at.gamma).set(gamma);
    this.vectors.view(at.beta).set(beta);
  }

  /** Sample `n`'s group statistics into the `mean` and `invStd` vectors; returns the per-group 1/sqrt(var + eps). */
  statistics(n: number): Float64Array {
    const { k, at, vectors, pixels, channels, count } = this;
    const x = this.sample('x', n);
    k.channelSums(x, pixels, channels, at.acc);
    const means = vectors.groupSums(at.acc).map((s) => s / count);
    vectors.fill(at.mean, (_, g) => means[g]);
    k.channelSquaredDeviations(x, pixels, channels, at.mean, at.acc);
    const invStds = vectors.groupSums(at.acc).map((s) => 1 / Math.sqrt(s / count + this.attrs.eps));
    vectors.fill(at.invStd, (_, g) => invStds[g]);
    return invStds;
  }

  /**
   * Sample `n`'s statistics, then y = x̂·γ + β into tensor `dst`, passed through σ when `sigmoid` is
   * 'sigmoid' and through SiLU (y·σ(y)) when it is 'silu'.
   */
  normalise(n: number, dst: T, sigmoid: 'none' | 'sigmoid' | 'silu'): void {
    const { k, at, vectors, pixels, channels } = this;
    const invStds = this.statistics(n);
    const gamma = vectors.view(at.gamma);
    vectors.fill(at.scale, (c, g) => gamma[c] * invStds[g]);
    const out = this.sample(dst, n);
    k.scaleShift(this.sample('x', n), out, pixels, channels, at.mean, at.scale, at.beta);
    if (sigmoid !== 'none') k.sigmoidInPlace(out, (pixels * channels) / 4, sigmoid === 'silu' ? 1 : 0);
  }

  /** The address of sample `n` of tensor `t`. */
  sample(t: 'x' | T, n: number): number {
    return this.at[t] + n * this.sliceBytes;
  }

  /** A copy of tensor `t` out of the instance's memory. */
  read(t: 'x' | T): Float32Array {
    return new Float32Array(this.k.memory.buffer, this.at[t], this.length).slice();
  }
}

/** GroupNorm (+ SiLU) of NHWC `x`, as `groupNormReference`; null where `groupNormSimdFits` is false. */
export function groupNormSimd(
  x: Float32Array,
  shape: Nhwc,
  gamma: Float32Array,
  beta: Float32Array,
  attrs: GroupNormAttrs,
): Float32Array | null {
  const k = kernel();
  if (!k || !groupNormSimdFits(shape)) return null;
  const call = new GroupNormCall<'out'>(k, shape, { x, out: null }, gamma, beta, attrs);
  for (let n = 0; n < shape[0]; n++) call.normalise(n, 'out', attrs.silu ? 'silu' : 'none');
  return call.read('out');
}

/** The gradients of `groupNormSimd`, as `groupNormGradReference`; null where `groupNormSimdFits` is false. */
export function groupNormGradSimd(
  x: Float32Array,
  dy: Float32Array,
  shape: Nhwc,
  gamma: Float32Array,
  beta: Float32Array,
  attrs: GroupNormAttrs,
): GroupNormGradients | null {
  const k = kernel();
  if (!k || !groupNormSimdFits(shape)) return null;
  const call = new GroupNormCall<'dy' | 'du' | 'dx'>(
    k,
    shape,
    { x, dy, du: null, dx: null },
    gamma,
    beta,
    attrs,
  );
  const { at, vectors, pixels, channels, count } = call;
  const dgamma = new Float64Array(channels);
  const dbeta = new Float64Array(channels);
  for (let n = 0; n < shape[0]; n++) {
    // With SiLU, backwardSums reads σ(u) from du, u = x̂·γ + β.
    if (attrs.silu) call.normalise(n, 'du', 'sigmoid');
    else call.statistics(n);
    const [xs, dys, dus, dxs] = (['x', 'dy', 'du', 'dx'] as const).map((t) => call.sample(t, n));
    k.backwardSums(
      xs,
      dys,
      dus,
      pixels,
      channels,
      at.mean,
      at.invStd,
      at.gamma,
      at.beta,
      attrs.silu ? 1 : 0,
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
    k.combine(dus, xs, dxs, pixels, channels, at.ca, at.cb, at.mean, at.cd);
  }
  return { dx: call.read('dx'), dgamma: Float32Array.from(dgamma), dbeta: Float32Array.from(dbeta) };
}
