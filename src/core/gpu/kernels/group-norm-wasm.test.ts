/**
 * The WebAssembly SIMD GroupNorm against the CPU references (forward and backward) on random shapes and
 * scales, the backward reference by hand, the fallbacks, and the fused gradient kernel through tf.grads on
 * the cpu and wasm backends.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import fc from 'fast-check';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { groupNorm } from './group-norm';
import { errorStats, groupNormByTfOps, type Nhwc, randomInputs, seededNormal } from './group-norm.fixtures';
import { groupNormGradReference } from './group-norm-grad-reference';
import { type GroupNormAttrs, groupNormReference, sliceStatistics } from './group-norm-reference';
import { groupNormGradSimd, groupNormSimd, groupNormSimdFits, setGroupNormSimd } from './group-norm-wasm';

/** A shape with C a multiple of 4 and a group count dividing C, its inputs and an upstream gradient. */
const caseArbitrary = fc
  .record({
    n: fc.integer({ min: 1, max: 3 }),
    h: fc.integer({ min: 1, max: 9 }),
    w: fc.integer({ min: 1, max: 9 }),
    quads: fc.integer({ min: 1, max: 24 }),
    groupPick: fc.nat(),
    silu: fc.boolean(),
    // Activations as a network has them: std over many decades, mean within a few std of zero.
    logStd: fc.double({ min: -3, max: 3, noNaN: true }),
    meanInStd: fc.double({ min: -5, max: 5, noNaN: true }),
    seed: fc.nat(),
  })
  .map(({ n, h, w, quads, groupPick, silu, logStd, meanInStd, seed }) => {
    const channels = 4 * quads;
    const divisors = Array.from({ length: channels }, (_, i) => i + 1).filter((g) => channels % g === 0);
    const std = 10 ** logStd;
    const shape: Nhwc = [n, h, w, channels];
    const base = randomInputs(shape, seed, 0, 1);
    // Per-channel offsets in units of std too, so |mean| / std stays within ~10 in every group (a float32
    // kernel cannot normalise a group whose spread is a few ulps of its mean as well as float64 can).
    const inputs = { ...base, x: base.x.map((v) => std * (meanInStd + v)) };
    const normal = seededNormal(seed + 1);
    const dy = Float32Array.from({ length: inputs.x.length }, normal);
    const attrs: GroupNormAttrs = { groups: divisors[groupPick % divisors.length], eps: 1e-5, silu };
    return { shape, inputs, dy, attrs };
  });

afterEach(() => setGroupNormSimd(true));

/**
 * How many times 1e-5 a float32 kernel may be off: 1 while every group's values lie within 10 of its own
 * standard deviations from zero, and in proportion beyond (x − mean loses the digits that |x| / std has: a
 * group of a few values can land close together by chance).
 */
function conditioning(x: Float32Array, shape: Nhwc, { groups, eps }: GroupNormAttrs): number {
  const [n, h, w, c] = shape;
  const pixels = h * w;
  let worst = 0;
  for (let s = 0; s < n; s++) {
    const { invStds } = sliceStatistics(x, s * pixels * c, pixels, c, groups, eps);
    for (let i = s * pixels * c; i < (s + 1) * pixels * c; i++) {
      worst = Math.max(worst, Math.abs(x[i]) * invStds[Math.floor((i % c) / (c / groups))]);
    }
  }
  return Math.max(1, worst / 10);
}

/** The largest magnitude of the terms each gradient is made of: dx ~ invStd·|dy·γ|, dγ ~ Σ|dy·x̂|, dβ ~ Σ|dy|. */
function termScales(
  x: Float32Array,
  dy: Float32Array,
  shape: Nhwc,
  gamma: Float32Array,
  { groups, eps }: GroupNormAttrs,
): { dx: number; dgamma: number; dbeta: number } {
  const [n, h, w, c] = shape;
  const pixels = h * w;
  let dx = 0;
  const dgamma = new Float64Array(c);
  const dbeta = new Float64Array(c);
  for (let s = 0; s < n; s++) {
    const { means, invStds } = sliceStatistics(x, s * pixels * c, pixels, c, groups, eps);
    for (let i = s * pixels * c; i < (s + 1) * pixels * c; i++) {
      const ch = i % c;
      const g = Math.floor(ch / (c / groups));
      dx = Math.max(dx, invStds[g] * Math.abs(dy[i] * gamma[ch]));
      dgamma[ch] += Math.abs(dy[i] * (x[i] - means[g]) * invStds[g]);
      dbeta[ch] += Math.abs(dy[i]);
    }
  }
  return { dx, dgamma: Math.max(...dgamma), dbeta: Math.max(...dbeta) };
}

describe('groupNormSimd', () => {
  it('matches the reference forward pass on random shapes and scales', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ shape, inputs, attrs }) => {
        const simd = groupNormSimd(inputs.x, shape, inputs.gamma, inputs.beta, attrs);
        expect(simd).not.toBeNull();
        const reference = groupNormReference(inputs.x, shape, inputs.gamma, inputs.beta, attrs);
        const stats = errorStats(simd as Float32Array, reference);
        const tolerance = 1e-5 * conditioning(inputs.x, shape, attrs);
        expect(stats.relative, JSON.stringify({ shape, attrs, stats, tolerance })).toBeLessThan(tolerance);
      }),
      { numRuns: 60 },
    );
  });

  it('matches the reference backward pass on random shapes and scales', () => {
    fc.assert(
      fc.property(caseArbitrary, ({ shape, inputs, dy, attrs }) => {
        const simd = groupNormGradSimd(inputs.x, dy, shape, inputs.gamma, inputs.beta, attrs);
        expect(simd).not.toBeNull();
        const reference = groupNormGradReference(inputs.x, dy, shape, inputs.gamma, inputs.beta, attrs);
        const scales = termScales(inputs.x, dy, shape, inputs.gamma, attrs);
        const tolerance = 1e-5 * conditioning(inputs.x, shape, attrs);
        for (const key of ['dx', 'dgamma', 'dbeta'] as const) {
          const { maxAbs } = errorStats((simd as NonNullable<typeof simd>)[key], reference[key]);
          // Float32 sums against float64 ones: the error is relative to the size of the terms summed, which
          // cancel to nearly nothing in some cases (two values per group normalise to ±1 whatever x is: dx = 0).
          expect(maxAbs, JSON.stringify({ key, shape, attrs, scale: scales[key] })).toBeLessThanOrEqual(
            tolerance * scales[key],
          );
        }
      }),
      { numRuns: 60 },
    );
  });

  it('stays finite and follows SiLU where the exponential saturates', () => {
    const shape: Nhwc = [1, 4, 4, 8];
    const inputs = randomInputs(shape, 3, 0, 1);
    const gamma = inputs.gamma.map((_, c) => (c % 2 === 0 ? 400 : -400)); // |y| up to ~1,000
    const attrs: GroupNormAttrs = { groups: 2, eps: 1e-5, silu: true };
    const y = groupNormSimd(inputs.x, shape, gamma, inputs.beta, attrs) as Float32Array;
    const reference = groupNormReference(inputs.x, shape, gamma, inputs.beta, attrs);
    expect(y.every(Number.isFinite)).toBe(true);
    expect(errorStats(y, reference).relative).toBeLessThan(1e-6);
    const grads = groupNormGradSimd(inputs.x, inputs.x, shape, gamma, inputs.beta, attrs);
    expect(grads?.dx.every(Number.isFinite)).toBe(true);
  });

  it('returns null where it does not apply: C % 4 != 0, or switched off', () => {
    const shape: Nhwc = [1, 2, 2, 6];
    const inputs = randomInputs(shape, 1);
    const attrs: GroupNormAttrs = { groups: 3, eps: 1e-5, silu: false };
    expect(groupNormSimdFits(shape)).toBe(false);
    expect(groupNormSimd(inputs.x, shape, inputs.gamma, inputs.beta, attrs)).toBeNull();
    expect(groupNormGradSimd(inputs.x, inputs.x, shape, inputs.gamma, inputs.beta, attrs)).toBeNull();
    expect(groupNormSimdFits([1, 2, 2, 8])).toBe(true);
    setGroupNormSimd(false);
    expect(groupNormSimdFits([1, 2, 2, 8])).toBe(false);
  });

  it('gives the same answer for a small shape after a large one (memory reused, grown once)', () => {
    const small: Nhwc = [2, 3, 3, 8];
    const inputs = randomInputs(small, 11);
    const attrs: GroupNormAttrs = { groups: 4, eps: 1e-5, silu: true };
    const first = groupNormSimd(inputs.x, small, inputs.gamma, inputs.beta, attrs);
    const large = randomInputs([8, 32, 32, 64], 12);
    groupNormSimd(large.x, large.shape, large.gamma, large.beta, attrs);
    expect(groupNormSimd(inputs.x, small, inputs.gamma, inputs.beta, attrs)).toEqual(first);
  });
});

describe('groupNormGradReference', () => {
  it('matches a hand-computed case (N=1, H=1, W=2, C=1, G=1)', () => {
    // Two values normalise to x̂ = -1, +1 whatever x is, so y = γ·x̂ + β does not depend on x: dx = 0.
    // dβ = Σ dy = 1, dγ = Σ dy·x̂ = -1.
    const g = groupNormGradReference(
      new Float32Array([1, 3]),
      new Float32Array([1, 0]),
      [1, 1, 2, 1],
      new Float32Array([2]),
      new Float32Array([0]),
      { groups: 1, eps: 0, silu: false },
    );
    expect([...g.dx]).toEqual([0, 0]);
    expect(g.dgamma[0]).toBeCloseTo(-1, 6);
    expect(g.dbeta[0]).toBeCloseTo(1, 6);
  });

  it.each([
    [[2, 3, 4, 6] as Nhwc, 3, true],
    [[1, 5, 5, 8] as Nhwc, 2, false],
  ])('matches autodiff of the tf-ops composition on cpu: [%s] G=%i silu=%s', async (shape, groups, silu) => {
    await tf.setBackend('cpu');
    const inputs = randomInputs(shape, 40 + groups);
    const dyValues = Float32Array.from({ length: inputs.x.length }, seededNormal(41));
    const attrs: GroupNormAttrs = { groups, eps: 1e-5, silu };
    const composed = tf.grads((x, gamma, beta) =>
      groupNormByTfOps(x as tf.Tensor4D, gamma as tf.Tensor1D, beta as tf.Tensor1D, attrs),
    )(
      [tf.tensor4d(inputs.x, shape), tf.tensor1d(inputs.gamma), tf.tensor1d(inputs.beta)],
      tf.tensor4d(dyValues, shape),
    );
    const reference = groupNormGradReference(inputs.x, dyValues, shape, inputs.gamma, inputs.beta, attrs);
    for (const [i, key] of (['dx', 'dgamma', 'dbeta'] as const).entries()) {
      const stats = errorStats(await composed[i].data(), reference[key]);
      expect(stats.relative, `${key}: ${JSON.stringify(stats)}`).toBeLessThan(1e-4);
    }
    tf.dispose(composed);
  });
});

describe.each(['cpu', 'wasm'])('the fused gradient kernel on %s', (backendName) => {
  afterAll(async () => {
    await tf.setBackend('cpu');
  });

  it('gives tf.grads the SIMD gradients and leaks no tensor over repeated runs', async () => {
    expect(await tf.setBackend(backendName)).toBe(true);
    const shape: Nhwc = [2, 6, 6, 16];
    const inputs = randomInputs(shape, 77);
    const dyValues = Float32Array.from({ length: inputs.x.length }, seededNormal(78));
    const attrs: GroupNormAttrs = { groups: 8, eps: 1e-5, silu: true };
    const x = tf.tensor4d(inputs.x, shape);
    const gamma = tf.tensor1d(inputs.gamma);
    const beta = tf.tensor1d(inputs.beta);
    const dy = tf.tensor4d(dyValues, shape);
    const run = () =>
      tf.grads((a, b, c) => groupNorm(a as tf.Tensor4D, b as tf.Tensor1D, c as tf.Tensor1D, attrs))(
        [x, gamma, beta],
        dy,
      );
    tf.dispose(run());
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) tf.dispose(run());
    expect(tf.memory().numTensors).toBe(before);
    const grads = run();
    const simd = groupNormGradSimd(inputs.x, dyValues, shape, inputs.gamma, inputs.beta, attrs);
    expect(await grads[0].data()).toEqual(simd?.dx);
    expect(await grads[1].data()).toEqual(simd?.dgamma);
    expect(await grads[2].data()).toEqual(simd?.dbeta);
    tf.dispose([...grads, x, gamma, beta, dy]);
  });
});
