import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import type { ImageDataset } from './dataset';
import { range } from './splits';
import { computeDatasetStats } from './stats';

/** A deterministic RGB set with a known label pattern, including unlabelled images. */
function tinyDataset(n: number): ImageDataset {
  const h = 3;
  const w = 5;
  const c = 3;
  const pixels = new Uint8Array(n * h * w * c);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 37 + 11) % 256;
  const labels = Int32Array.from({ length: n }, (_, i) => (i % 4 === 3 ? -1 : i % 3));
  return { name: 'tiny', height: h, width: w, channels: c, pixels, labels, classNames: ['a', 'b', 'c'] };
}

/** Float64 reference computed pixel by pixel. */
function reference(d: ImageDataset) {
  const { height: h, width: w, channels: c } = d;
  const per = h * w * c;
  const n = d.labels.length;
  const mean = new Array(c).fill(0);
  const sq = new Array(c).fill(0);
  const classSums = d.classNames.map(() => new Float64Array(per));
  const counts = d.classNames.map(() => 0);
  for (let i = 0; i < n; i++) {
    for (let p = 0; p < per; p++) {
      const v = d.pixels[i * per + p] / 255;
      mean[p % c] += v;
      sq[p % c] += v * v;
      if (d.labels[i] >= 0) classSums[d.labels[i]][p] += v;
    }
    if (d.labels[i] >= 0) counts[d.labels[i]]++;
  }
  const m = mean.map((s) => s / (n * h * w));
  const std = sq.map((s, k) => Math.sqrt(s / (n * h * w) - m[k] ** 2));
  return { m, std, counts, classMeans: classSums.map((s, k) => Array.from(s, (v) => v / counts[k])) };
}

describe.each(['cpu', 'wasm', 'webgpu'] as const)('data-set statistics on %s', (backend) => {
  beforeAll(() => switchBackend(backend));

  it('matches a float64 pixel-by-pixel reference, across batch boundaries', async () => {
    const d = tinyDataset(37);
    const ref = reference(d);
    const progress: number[] = [];
    const s = await computeDatasetStats(d, range(0, 37), { onProgress: (done) => progress.push(done) }, 8);
    expect(progress).toEqual([8, 16, 24, 32, 37]);
    expect(s.count).toBe(37);
    expect(s.classCounts).toEqual(ref.counts);
    for (const [k, v] of s.channelMean.entries()) expect(v).toBeCloseTo(ref.m[k], 5);
    for (const [k, v] of s.channelStd.entries()) expect(v).toBeCloseTo(ref.std[k], 4);
    for (const [k, row] of s.classMeans.entries()) {
      for (const [p, v] of row.entries()) expect(v).toBeCloseTo(ref.classMeans[k][p], 5);
    }
  });

  it('stops at the next batch when cancelled', async () => {
    const d = tinyDataset(64);
    const controller = new AbortController();
    const run = computeDatasetStats(
      d,
      range(0, 64),
      { signal: controller.signal, onProgress: (done) => done >= 8 && controller.abort() },
      8,
    );
    await expect(run).rejects.toThrow('Cancelled');
  });

  it('leaves the tensor count unchanged over 50 repeated jobs, cancelled ones included', async () => {
    const d = tinyDataset(20);
    await computeDatasetStats(d, range(0, 20), {}, 8);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) {
      const controller = new AbortController();
      if (i % 10 === 9) controller.abort();
      await computeDatasetStats(d, range(0, 20), { signal: controller.signal }, 8).catch(() => null);
    }
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses an empty selection with a message', async () => {
    await expect(computeDatasetStats(tinyDataset(4), new Int32Array(0))).rejects.toThrow(/empty/);
  });
});
