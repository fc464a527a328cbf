/**
 * The CPU distances against huanghoujing's numpy code (the shared golden file), against the per-pair
 * definitions on random shapes, at extreme scales, and on properties that hold for any features.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  errorStats,
  loadAlignedReidGolden,
  localDistancesByDefinition,
  randomStripes,
} from './distances.fixtures';
import { stripeFeatures } from './features';
import { globalDistance } from './global-distance';
import { localDistances, localDistanceValues } from './local-distance-reference';
import { alignPair } from './pair-alignment';
import { stripeDistanceFromEuclidean, stripeDistanceMatrix } from './stripe-distance';

const GOLDEN_TOLERANCE = 1e-5;

describe('AlignedReID distances vs the reproduction (golden)', () => {
  const golden = loadAlignedReidGolden();
  const { queryLocal: q, galleryLocal: g } = golden;

  it('stripe distances tanh(‖f − g‖/2) per pair', () => {
    const h = q.stripes;
    let worst = 0;
    for (let i = 0; i < q.count; i++) {
      for (let j = 0; j < g.count; j++) {
        const offset = (i * g.count + j) * h * h;
        const stats = errorStats(
          stripeDistanceMatrix(q, i, g, j),
          golden.stripeDistTanh.subarray(offset, offset + h * h),
        );
        worst = Math.max(worst, stats.elementwise);
      }
    }
    console.log(`golden stripe_dist_tanh: max elementwise relative error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(GOLDEN_TOLERANCE);
  });

  it('local (aligned), unaligned and global distances', () => {
    const { aligned, unaligned } = localDistances(q, g);
    const global = globalDistance(golden.queryGlobal, golden.galleryGlobal);
    const errors = {
      local_dist_stable: errorStats(aligned.data, golden.localDistStable).elementwise,
      local_dist: errorStats(aligned.data, golden.localDist).elementwise,
      unaligned_dist: errorStats(unaligned.data, golden.unalignedDist).elementwise,
      global_dist: errorStats(global.data, golden.globalDist).elementwise,
    };
    console.log(
      `golden on the CPU reference, max elementwise relative error: ${Object.entries(errors)
        .map(([k, v]) => `${k} ${v.toExponential(2)}`)
        .join(', ')}`,
    );
    for (const [name, e] of Object.entries(errors)) expect(e, name).toBeLessThanOrEqual(GOLDEN_TOLERANCE);
  });

  it('the pair view reproduces the golden matrix and distances', () => {
    const view = alignPair(q, 2, g, 3);
    expect(view.distance).toBeCloseTo(golden.localDistStable[2 * g.count + 3], 5);
    expect(view.unaligned).toBeCloseTo(golden.unalignedDist[2 * g.count + 3], 5);
    expect(view.path).toHaveLength(2 * q.stripes - 1);
  });
});

describe('CPU reference vs the per-pair definition', () => {
  // Odd counts, one stripe, one channel, the paper's 7 stripes, 16 stripes, 2048 channels.
  const SHAPES = [
    { nq: 3, ng: 5, h: 8, c: 128 },
    { nq: 5, ng: 3, h: 1, c: 128 },
    { nq: 4, ng: 7, h: 7, c: 1 },
    { nq: 2, ng: 3, h: 16, c: 33 },
    { nq: 2, ng: 2, h: 8, c: 2048 },
    { nq: 1, ng: 1, h: 16, c: 2048 },
  ];
  it.each(SHAPES)('[$nq, $ng] pairs, H=$h, c=$c', ({ nq, ng, h, c }) => {
    const q = randomStripes(nq, h, c, 10 + h, 0.1);
    const g = randomStripes(ng, h, c, 20 + c, 0.1);
    const stats = errorStats(
      localDistanceValues(q.data, nq, g.data, ng, h, c),
      localDistancesByDefinition(q, g),
    );
    expect(stats.elementwise, JSON.stringify(stats)).toBeLessThanOrEqual(1e-6);
  });

  it('handles empty query or gallery sets', () => {
    const q = randomStripes(0, 8, 4, 1);
    const g = randomStripes(3, 8, 4, 2);
    expect(localDistances(q, g).aligned.data).toHaveLength(0);
    expect(localDistances(g, q).unaligned.data).toHaveLength(0);
  });
});

describe('numerical range', () => {
  it('tanh(x/2) is finite and saturates at 1 for any distance, and exact near 0', () => {
    expect(stripeDistanceFromEuclidean(0)).toBe(0);
    expect(stripeDistanceFromEuclidean(1e-20)).toBeCloseTo(5e-21, 30);
    expect(stripeDistanceFromEuclidean(2)).toBeCloseTo(Math.tanh(1), 15);
    for (const x of [88, 89, 100, 710, 1e20, 1e300, Number.POSITIVE_INFINITY]) {
      expect(stripeDistanceFromEuclidean(x), `x=${x}`).toBe(1);
    }
  });

  it.each([1e4, 1e20, 1e36])('features scaled by %d give finite distances', (scale) => {
    const q = randomStripes(3, 8, 128, 5, scale);
    const g = randomStripes(4, 8, 128, 6, scale);
    const { aligned, unaligned } = localDistances(q, g);
    // Distances that large saturate every stripe distance at 1: 2H − 1 cells on the path, H on the diagonal.
    expect([...aligned.data].every((v) => v === 15)).toBe(true);
    expect([...unaligned.data].every((v) => v === 8)).toBe(true);
    // An image against itself: 0 on the diagonal however large the features are; the path still has to
    // cross H − 1 off-diagonal cells (stripe i against stripe i + 1 of the same image), all saturated.
    const self = localDistances(q, q);
    expect([0, 4, 8].map((k) => self.unaligned.data[k])).toEqual([0, 0, 0]);
    expect([0, 4, 8].map((k) => self.aligned.data[k])).toEqual([7, 7, 7]);
  });

  it('rejects NaN and infinite features with the index', () => {
    const q = randomStripes(1, 2, 2, 1);
    q.data[3] = Number.NaN;
    expect(() => localDistances(q, q)).toThrow(/index 3/);
  });
});

describe('properties of the local distance (fast-check)', () => {
  const features = fc
    .record({
      nq: fc.integer({ min: 1, max: 4 }),
      ng: fc.integer({ min: 1, max: 4 }),
      h: fc.integer({ min: 1, max: 9 }),
      c: fc.integer({ min: 1, max: 12 }),
      scale: fc.constantFrom(1e-3, 1, 1e3),
      seed: fc.integer({ min: 0, max: 1e6 }),
    })
    .map(({ nq, ng, h, c, scale, seed }) => ({
      q: randomStripes(nq, h, c, seed, scale),
      g: randomStripes(ng, h, c, seed + 1, scale),
    }));

  it('swapping query and gallery transposes the result', () => {
    fc.assert(
      fc.property(features, ({ q, g }) => {
        const forward = localDistances(q, g);
        const backward = localDistances(g, q);
        for (let i = 0; i < q.count; i++) {
          for (let j = 0; j < g.count; j++) {
            expect(backward.aligned.data[j * q.count + i]).toBeCloseTo(
              forward.aligned.data[i * g.count + j],
              5,
            );
            expect(backward.unaligned.data[j * q.count + i]).toBeCloseTo(
              forward.unaligned.data[i * g.count + j],
              5,
            );
          }
        }
      }),
    );
  });

  it('an image against itself: unaligned 0; aligned 0 when all its stripes are equal', () => {
    fc.assert(
      fc.property(features, ({ q, g }) => {
        const self = localDistances(q, q);
        for (let i = 0; i < q.count; i++) expect(self.unaligned.data[i * q.count + i]).toBe(0);
        // One stripe repeated H times: every cell of the self-matrix is 0, so the path costs 0 too.
        const { stripes: h, channels: c } = q;
        const flat = stripeFeatures(new Float32Array(h * c), 1, h, c);
        for (let i = 0; i < h; i++) flat.data.set(q.data.subarray(0, c), i * c);
        expect(localDistances(flat, flat).aligned.data[0]).toBe(0);
        for (const v of localDistances(q, g).aligned.data) {
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThanOrEqual(2 * h - 1);
        }
      }),
    );
  });

  it('a copy shifted down by two stripes: alignment recovers most of the shift', () => {
    // Stripes that change linearly down the image (base_k = v + k·w). The gallery image shows stripes
    // 0..7, the query stripes 2..9: query stripe i is gallery stripe i + 2. Unaligned compares stripes two
    // steps apart everywhere (8·tanh(‖w‖)); the path can follow j = i + 2 on every other cell and pay one
    // step on the rest: at most 2·tanh(‖w‖) + 7·tanh(‖w‖/2).
    const h = 8;
    const c = 16;
    const v = randomStripes(1, 1, c, 3).data;
    const w = randomStripes(1, 1, c, 4, 0.05).data;
    const stripe = (k: number) => v.map((x, n) => x + k * w[n]);
    const q = stripeFeatures(new Float32Array(h * c), 1, h, c);
    const g = stripeFeatures(new Float32Array(h * c), 1, h, c);
    for (let i = 0; i < h; i++) {
      q.data.set(stripe(i + 2), i * c);
      g.data.set(stripe(i), i * c);
    }
    const step = Math.hypot(...w);
    const { aligned, unaligned } = localDistances(q, g);
    expect(unaligned.data[0]).toBeCloseTo(8 * Math.tanh(step), 5);
    expect(aligned.data[0]).toBeLessThanOrEqual(2 * Math.tanh(step) + 7 * Math.tanh(step / 2) + 1e-6);
    expect(aligned.data[0]).toBeLessThan(0.75 * unaligned.data[0]);
  });
});
