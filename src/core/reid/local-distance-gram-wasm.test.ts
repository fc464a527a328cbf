/**
 * The SIMD Gram kernel against the plain-JS reference of the local distance, on random shapes and scales,
 * near-duplicate stripes (the recompute path) and overflowing features; and the committed binary against
 * its WebAssembly text.
 */

import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  assembleBoth,
  modulePathOf,
  WAT_KERNELS,
  wasmModuleSource,
  withoutRelaxedSimd,
} from '../../../scripts/build-wasm.mjs';
import { errorStats, randomStripes } from './distances.fixtures';
import type { StripeFeatures } from './features';
import { squaredNorms } from './gram';
import { localDistancesFromGram, transposeStripes } from './local-distance-gram';
import {
  bestKernelBuild,
  GALLERY_LANES,
  GramDistanceKernel,
  type KernelBuild,
  simdGramKernelAvailable,
  stripeMajorColumns,
  stripeNormsF32,
} from './local-distance-gram-wasm';
import { localDistanceValues } from './local-distance-reference';
import { itHandlesCancellationAndOverflow, itMatchesTheReference } from './simd-kernel.fixtures';

/** The Gram [nq·h, h·ng] in stripe-major columns, dot products in float64 rounded once to float32. */
function stripeMajorGram(q: StripeFeatures, g: StripeFeatures): Float32Array {
  const { stripes: h, channels: c } = q;
  const cols = h * g.count;
  const out = new Float32Array(q.count * h * cols);
  for (let r = 0; r < q.count * h; r++) {
    for (let gi = 0; gi < g.count; gi++) {
      for (let j = 0; j < h; j++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += q.data[r * c + k] * g.data[(gi * h + j) * c + k];
        out[r * cols + j * g.count + gi] = s;
      }
    }
  }
  return out;
}

/** [2, nq, ng] distances by the kernel, and its recompute count. */
function kernelDistances(q: StripeFeatures, g: StripeFeatures, build: KernelBuild = 'best') {
  const { stripes: h, channels: c } = q;
  const kernel = new GramDistanceKernel(h, c, q.count, g.count, build);
  kernel.setGallery(g.data, stripeNormsF32(g.data, g.count, h, c, true));
  const { distances, recomputed } = kernel.run(
    stripeMajorGram(q, g),
    q.data,
    stripeNormsF32(q.data, q.count, h, c, false),
  );
  return { distances: distances.slice(), recomputed };
}

describe('the SIMD Gram kernel', () => {
  it('is available in Node, in its relaxed-SIMD build (the flag set by the test setup)', () => {
    expect(simdGramKernelAvailable()).toBe(true);
    expect(bestKernelBuild()).toBe('relaxed');
  });

  it('falls back to the plain-SIMD build where the engine rejects relaxed SIMD (Node without the flag)', () => {
    const module = new URL('./local-distance-gram-wasm.ts', import.meta.url).pathname;
    const script = `import { bestKernelBuild } from ${JSON.stringify(module)}; console.log(bestKernelBuild());`;
    const run = (flags: string[]) =>
      execFileSync(process.execPath, [...flags, '--import', 'tsx', '--input-type=module', '-e', script], {
        encoding: 'utf8',
      }).trim();
    expect(run([])).toBe('plain');
    expect(run(['--experimental-wasm-relaxed-simd'])).toBe('relaxed');
  });

  it('an instance given back is reused for its shape only, and computes on its new gallery', () => {
    const [h, c, n] = [4, 8, 8];
    const first = GramDistanceKernel.acquire(h, c, n, n);
    GramDistanceKernel.release(first);
    expect(GramDistanceKernel.acquire(h, c, n, 2 * n)).not.toBe(first);
    const again = GramDistanceKernel.acquire(h, c, n, n);
    expect(again).toBe(first);
    for (const seed of [3, 4]) {
      const q = randomStripes(n, h, c, seed);
      const g = randomStripes(n, h, c, seed + 10);
      again.setGallery(g.data, stripeNormsF32(g.data, n, h, c, true));
      const { distances } = again.run(stripeMajorGram(q, g), q.data, stripeNormsF32(q.data, n, h, c, false));
      const expected = localDistanceValues(q.data, n, g.data, n, h, c);
      expect(errorStats(distances, expected).elementwise).toBeLessThan(1e-5);
    }
    GramDistanceKernel.release(again);
  });

  itMatchesTheReference(kernelDistances, { queries: 1, gallery: GALLERY_LANES, stripes: 1 });

  itHandlesCancellationAndOverflow(kernelDistances);

  it('agrees with the plain-JS fallback on the same Gram', () => {
    const [nq, ng, h, c] = [6, 12, 8, 64];
    const q = randomStripes(nq, h, c, 11);
    const g = randomStripes(ng, h, c, 12);
    const cols = stripeMajorGram(q, g);
    // The fallback reads image-major columns (g·h + j).
    const imageMajor = new Float32Array(cols.length);
    for (let r = 0; r < nq * h; r++) {
      for (let gi = 0; gi < ng; gi++) {
        for (let j = 0; j < h; j++) imageMajor[r * h * ng + gi * h + j] = cols[r * h * ng + j * ng + gi];
      }
    }
    const js = new Float32Array(2 * nq * ng);
    localDistancesFromGram(
      imageMajor,
      q.data,
      squaredNorms(q.data, c),
      nq,
      g.data,
      squaredNorms(g.data, c),
      ng,
      h,
      c,
      js,
    );
    expect(errorStats(kernelDistances(q, g).distances, js).elementwise).toBeLessThan(2e-6);
  });

  it('lays columns out stripe-major and refuses gallery tiles that are not a multiple of 4', () => {
    const g = randomStripes(3, 2, 2, 1);
    const cols = stripeMajorColumns(g.data, 3, 2, 2);
    // Row k = channel k; column j·3 + image.
    expect(cols[0 * 6 + 1 * 3 + 2]).toBe(g.data[(2 * 2 + 1) * 2 + 0]);
    expect(cols[1 * 6 + 0 * 3 + 1]).toBe(g.data[(1 * 2 + 0) * 2 + 1]);
    expect(transposeStripes(g.data, 6, 2)).toHaveLength(12);
    expect(() => new GramDistanceKernel(8, 128, 2, 6)).toThrow(/multiple of 4/);
  });

  it.each(WAT_KERNELS)('the committed module is the assembly of %s', async (wat) => {
    const committed = readFileSync(modulePathOf(wat), 'utf8');
    const [relaxed, plain] = await assembleBoth(wat);
    expect(committed).toBe(wasmModuleSource(wat, relaxed, plain));
  });

  it('the plain build spells every relaxed multiply-add as a multiply and an add', () => {
    const text = '(local.set $a (f32x4.relaxed_madd (local.get $x) (local.get $y) (local.get $a)))';
    expect(withoutRelaxedSimd(text)).toBe(
      '(local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $x) (local.get $y))))',
    );
    expect(() => withoutRelaxedSimd('(f32x4.relaxed_min (local.get $x) (local.get $y))')).toThrow(/relaxed/);
  });
});
