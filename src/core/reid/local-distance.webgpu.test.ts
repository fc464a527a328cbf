/**
 * The WGSL local distance on tfjs's WebGPU backend (Dawn on SwiftShader in Node) against the CPU reference
 * and the shared golden file.
 */
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { customKernelPath } from '../gpu/kernels/custom-kernel';
import { type ErrorStats, errorStats, loadAlignedReidGolden, randomStripes } from './distances.fixtures';
import type { StripeFeatures } from './features';
import { LOCAL_DISTANCE_KERNEL, localDistance, registerLocalDistance } from './local-distance-kernel';
import { localDistanceValues } from './local-distance-reference';
import { computeLocalDistances } from './local-distance-tiled';

const TOLERANCE = 1e-5;

async function onDevice(q: StripeFeatures, g: StripeFeatures): Promise<Float32Array> {
  const out = tf.tidy(() =>
    localDistance(
      tf.tensor3d(q.data, [q.count, q.stripes, q.channels]),
      tf.tensor3d(g.data, [g.count, g.stripes, g.channels]),
    ),
  );
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

const reference = (q: StripeFeatures, g: StripeFeatures) =>
  localDistanceValues(q.data, q.count, g.data, g.count, q.stripes, q.channels);

describe('local distance WGSL on webgpu', () => {
  let worst = 0;
  const record = (stats: ErrorStats) => {
    worst = Math.max(worst, stats.elementwise);
    return stats;
  };

  beforeAll(async () => {
    await switchBackend('webgpu');
  });

  afterAll(() => {
    console.log(
      `local distance WGSL vs CPU reference: worst elementwise relative error ${worst.toExponential(2)}`,
    );
  });

  it('runs the WGSL path on webgpu', () => {
    registerLocalDistance();
    expect(tf.getBackend()).toBe('webgpu');
    expect(customKernelPath(LOCAL_DISTANCE_KERNEL)).toBe('wgsl');
  });

  it('reproduces the golden local_dist_stable and unaligned_dist', async () => {
    const golden = loadAlignedReidGolden();
    const values = await onDevice(golden.queryLocal, golden.galleryLocal);
    const pairs = golden.queryLocal.count * golden.galleryLocal.count;
    const aligned = errorStats(values.subarray(0, pairs), golden.localDistStable);
    const unaligned = errorStats(values.subarray(pairs), golden.unalignedDist);
    console.log(
      `golden on WGSL: local_dist_stable ${aligned.elementwise.toExponential(2)}, unaligned_dist ${unaligned.elementwise.toExponential(2)} (max elementwise relative)`,
    );
    expect(aligned.elementwise).toBeLessThanOrEqual(TOLERANCE);
    expect(unaligned.elementwise).toBeLessThanOrEqual(TOLERANCE);
  });

  // Odd counts; counts spanning several workgroup tiles (⌊64/H⌋ images per side); H = 1, 7, 8, 16;
  // c = 1, 128, 2048 (c not a multiple of the 16-channel chunk too).
  const SHAPES = [
    { nq: 5, ng: 7, h: 8, c: 128 },
    { nq: 17, ng: 19, h: 8, c: 128 },
    { nq: 3, ng: 131, h: 1, c: 128 },
    { nq: 67, ng: 5, h: 1, c: 1 },
    { nq: 11, ng: 20, h: 7, c: 1 },
    { nq: 10, ng: 9, h: 7, c: 37 },
    { nq: 5, ng: 9, h: 16, c: 128 },
    { nq: 3, ng: 5, h: 16, c: 2048 },
    { nq: 9, ng: 3, h: 8, c: 2048 },
    { nq: 1, ng: 1, h: 16, c: 1 },
  ];
  it.each(SHAPES)('matches the reference: [$nq, $ng] images, H=$h, c=$c', async ({ nq, ng, h, c }) => {
    // Scaled so that ‖f − g‖ ≈ 0.7 whatever c: stripe distances mid-range, not saturated at 1.
    const q = randomStripes(nq, h, c, 100 + nq, 0.5 / Math.sqrt(c));
    const g = randomStripes(ng, h, c, 200 + ng, 0.5 / Math.sqrt(c));
    const stats = record(errorStats(await onDevice(q, g), reference(q, g)));
    expect(stats.elementwise, JSON.stringify(stats)).toBeLessThanOrEqual(TOLERANCE);
  });

  it('gives exactly 0 on the diagonal for an image against itself, and near 0 for near-copies', async () => {
    const q = randomStripes(9, 8, 128, 7);
    const values = await onDevice(q, q);
    for (let i = 0; i < 9; i++) expect(values[81 + i * 9 + i]).toBe(0);
    const nearCopy = { ...q, data: q.data.map((v, k) => v + (k % 3) * 1e-4) };
    const stats = record(errorStats(await onDevice(q, nearCopy), reference(q, nearCopy)));
    expect(stats.elementwise, JSON.stringify(stats)).toBeLessThanOrEqual(TOLERANCE);
  });

  it.each([1e4, 1e20, 1e36])('stays finite for features scaled by %d', async (scale) => {
    const q = randomStripes(3, 8, 128, 5, scale);
    const g = randomStripes(4, 8, 128, 6, scale);
    const values = await onDevice(q, g);
    expect([...values.subarray(0, 12)].every((v) => v === 15)).toBe(true);
    expect([...values.subarray(12)].every((v) => v === 8)).toBe(true);
    const self = await onDevice(q, q);
    expect([0, 4, 8].map((k) => self[9 + k])).toEqual([0, 0, 0]);
  });

  it('bakes H into the shaderKey: H = 8, 7, 8, 16, 1 in turn on the same counts', async () => {
    for (const [i, h] of [8, 7, 8, 16, 1].entries()) {
      const q = randomStripes(6, h, 24, 300 + i, 0.1);
      const g = randomStripes(5, h, 24, 400 + i, 0.1);
      const stats = record(errorStats(await onDevice(q, g), reference(q, g)));
      expect(stats.elementwise, `H=${h}`).toBeLessThanOrEqual(TOLERANCE);
    }
  });

  it('leaks no tensors over repeated calls', async () => {
    const q = tf.tensor3d(randomStripes(4, 8, 16, 1).data, [4, 8, 16]);
    const g = tf.tensor3d(randomStripes(6, 8, 16, 2).data, [6, 8, 16]);
    localDistance(q, g).dispose();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      tf.tidy(() => {
        localDistance(q, g).sum();
      });
    }
    const kept = localDistance(q, g);
    await kept.data();
    kept.dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([q, g]);
  });

  it('tiles with a small budget: identical to one untiled kernel call, no tensors kept over repeated runs', async () => {
    const q = randomStripes(21, 8, 32, 11, 0.1);
    const g = randomStripes(37, 8, 32, 12, 0.1);
    const whole = await onDevice(q, g);
    // 1 KiB per image: 6 × 6 images per tile, 4 × 7 tiles, the last ones padded.
    const options = { maxBufferBytes: 6 * 1024 };
    await computeLocalDistances(q, g, options);
    const before = tf.memory().numTensors;
    for (let run = 0; run < 3; run++) {
      const tiled = await computeLocalDistances(q, g, options);
      expect(tiled.aligned.data).toEqual(whole.subarray(0, 21 * 37));
      expect(tiled.unaligned.data).toEqual(whole.subarray(21 * 37));
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('a set against itself on square tiles: the upper triangle as one kernel call gives it, mirrored', async () => {
    const set = randomStripes(29, 8, 4, 13, 0.1);
    const whole = await onDevice(set, set);
    // 128 bytes per image: one gallery tile of 29 and query tiles of 15 but for the square tiles (2 × 2, 3 run).
    const self = await computeLocalDistances(set, set, { maxBufferBytes: 4 * 1024 });
    for (let r = 0; r < 29; r++) {
      for (let k = 0; k < 29; k++) {
        const upper = Math.min(r, k) * 29 + Math.max(r, k);
        expect(self.aligned.data[r * 29 + k]).toBe(whole[upper]);
        expect(self.unaligned.data[r * 29 + k]).toBe(whole[29 * 29 + upper]);
      }
    }
  });
});
