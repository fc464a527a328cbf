/**
 * The probe core on the cpu backend with tiny inputs: the linear probe separates what is separable and
 * stays at chance on shuffled labels, kNN on a hand case, seeded feature extraction, the grid streaming
 * cells from a tiny UNet, NaN features failing one cell, cancellation, tensor counts, bad input.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import type { ImageDataset } from '../data/dataset';
import type { Denoiser } from '../diffusion/denoiser';
import { gaussianNoise } from '../diffusion/rng';
import { presetConfig } from '../diffusion/train/presets';
import { createUNet, type UNetConfig, type UNetDenoiser } from '../diffusion/unet';
import { allTapNames, extractFeatures, noisyBatch, tapNames } from './features';
import { runProbeGrid } from './grid';
import { checkProbeInput, parseTimesteps } from './input';
import { knnProbe, vote } from './knn';
import { trainLinearProbe } from './linear-probe';
import { pca2d } from './projection';
import { gridCsv, markdownTable } from './report';
import { bestCell, type ProbeCell, type ProbeGridSettings } from './types';

/** Gaussian blobs: `classes` centres `spread` apart in `dim` dimensions, unit noise. */
function blobs(n: number, dim: number, classes: number, spread: number, seed: number) {
  const noise = gaussianNoise(seed, 0, n * dim);
  const centres = gaussianNoise(99, 0, classes * dim);
  const labels = Int32Array.from({ length: n }, (_, i) => i % classes);
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++)
      data[i * dim + j] = spread * centres[labels[i] * dim + j] + noise[i * dim + j];
  }
  return { dim, data, labels };
}

/** 8x8 grayscale images: horizontal, vertical or diagonal stripes with a per-image phase. */
function stripes(n: number, size = 8, labelled = true): ImageDataset {
  const pixels = new Uint8Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const kind = i % 3;
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = kind === 0 ? y : kind === 1 ? x : x + y;
        pixels[(i * size + y) * size + x] = (u + Math.floor(i / 3)) % 3 === 0 ? 230 : 20;
      }
    }
  }
  return {
    name: 'stripes',
    height: size,
    width: size,
    channels: 1,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => (labelled ? i % 3 : -1)),
    classNames: labelled ? ['horizontal', 'vertical', 'diagonal'] : [],
  };
}

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

function tinyUNet(size = 8): UNetDenoiser {
  const c = presetConfig('unet', 'tiny', [1, size, size]);
  if (c.arch !== 'unet') throw new Error('unreachable');
  return createUNet(c.config as UNetConfig, 'random', 3);
}

const SETTINGS: ProbeGridSettings = {
  timesteps: [1, 101],
  taps: null,
  trainCount: 30,
  testCount: 15,
  featureBatch: 8,
  seed: 1,
  probe: { epochs: 3, lr: 1e-2, batchSize: 16, standardize: true, seed: 0 },
  knn: true,
  knnK: 5,
  rawBaseline: true,
};

beforeAll(async () => {
  await switchBackend('cpu');
});

describe('linear probe', () => {
  it('reaches ~100% on linearly separable blobs and chance on shuffled labels', async () => {
    const train = blobs(300, 16, 4, 3, 1);
    const test = blobs(200, 16, 4, 3, 2);
    const settings = { epochs: 8, lr: 1e-2, batchSize: 32, standardize: true, seed: 0 };
    const r = await trainLinearProbe(train, test, 4, settings);
    expect(r.testAccuracy).toBeGreaterThanOrEqual(0.99);
    expect(r.curve).toHaveLength(8);
    expect(r.curve[7].loss).toBeLessThan(r.curve[0].loss);
    expect(r.curve[7].lr).toBeLessThan(r.curve[0].lr);
    expect(r.confusion.flat().reduce((a, b) => a + b, 0)).toBe(200);
    expect(r.confusion[2][2]).toBeGreaterThanOrEqual(49);

    // Shuffled labels: nothing to learn that carries over to the test split.
    const order = gaussianNoise(5, 0, 300);
    const shuffled = Int32Array.from(
      Array.from(train.labels.keys()).sort((a, b) => order[a] - order[b]),
      (k) => train.labels[k],
    );
    const chance = await trainLinearProbe({ ...train, labels: shuffled }, test, 4, settings);
    expect(chance.testAccuracy).toBeGreaterThan(0.1);
    expect(chance.testAccuracy).toBeLessThan(0.42);
  });

  it('is seeded: the same settings give the same curve, and leaves no tensor behind', async () => {
    const train = blobs(64, 8, 3, 1, 3);
    const test = blobs(30, 8, 3, 1, 4);
    const settings = { epochs: 2, lr: 5e-3, batchSize: 16, standardize: false, seed: 7 };
    const before = tf.memory().numTensors;
    const a = await trainLinearProbe(train, test, 3, settings);
    const b = await trainLinearProbe(train, test, 3, settings);
    expect(b.curve).toEqual(a.curve);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('kNN', () => {
  it('votes among the k most similar by cosine, ties to the larger summed similarity', async () => {
    // Directions: class 0 near the x axis, class 1 near the y axis; length must not matter.
    const train = {
      dim: 2,
      data: Float32Array.from([1, 0.1, 5, 0.2, 2, -0.1, 0.1, 1, 0.2, 3, -0.1, 0.5]),
      labels: Int32Array.from([0, 0, 0, 1, 1, 1]),
    };
    const test = {
      dim: 2,
      data: Float32Array.from([10, 1, 0.1, 7, 1, 1.2]),
      labels: Int32Array.from([0, 1, 1]),
    };
    const r = await knnProbe(train, test, 2, 3);
    expect(Array.from(r.predictions)).toEqual([0, 1, 1]);
    expect(r.accuracy).toBe(1);
    // 2 votes each: the class with the larger summed similarity wins.
    expect(vote(Int32Array.from([0, 1]), Int32Array.from([0, 1]), Float32Array.from([0.5, 0.9]), 2)).toBe(1);
    expect(
      vote(Int32Array.from([0, 0, 1]), Int32Array.from([0, 1, 2]), Float32Array.from([0.1, 0.1, 0.9]), 2),
    ).toBe(0);
  });
});

describe('feature extraction', () => {
  it('noises as the official get_feature, seeded per image and timestep', async () => {
    const d = stripes(6);
    const clean = noisyBatch(d, [4], 0, 0);
    expect(clean[0]).toBeCloseTo((d.pixels[4 * 64] / 255) * 2 - 1, 6);
    const a = noisyBatch(d, [2, 4], 11, 5);
    expect(noisyBatch(d, [4], 11, 5)).toEqual(a.subarray(64));
    expect(noisyBatch(d, [4], 11, 6)).not.toEqual(a.subarray(64));
    expect(noisyBatch(d, [4], 21, 5)).not.toEqual(a.subarray(64));
  });

  it('gives the same features for the same seed, whatever the batch size', async () => {
    const model = tinyUNet();
    const d = stripes(7);
    const idx = range(0, 7);
    const a = await extractFeatures(model, d, idx, { t: 11, batchSize: 4, seed: 2 });
    const b = await extractFeatures(model, d, idx, { t: 11, batchSize: 3, seed: 2, taps: ['out_2'] });
    const c = await extractFeatures(model, d, idx, { t: 11, batchSize: 4, seed: 3 });
    expect([...a.keys()]).toEqual(tapNames(model));
    expect([...b.keys()]).toEqual(['out_2']);
    const out2 = a.get('out_2')!;
    expect(out2.dim).toBe(32);
    expect(out2.data).toHaveLength(7 * 32);
    const bb = b.get('out_2')!.data;
    let worst = 0;
    out2.data.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(bb[i] - v));
    });
    expect(worst).toBeLessThan(1e-5);
    expect(c.get('out_2')!.data).not.toEqual(out2.data);
    model.dispose();
  });

  it('gives the encoder and middle taps only when chosen, pooled from the same pass', async () => {
    const model = tinyUNet();
    const d = stripes(5);
    const idx = range(0, 5);
    expect(allTapNames(model)).toEqual([...model.plan.extraTaps, ...tapNames(model)]);
    expect(model.plan.extraTaps.at(-1)).toBe('middle');
    const decoder = await extractFeatures(model, d, idx, { t: 11, batchSize: 5, seed: 2 });
    const chosen = ['enc_1', 'middle', 'out_1'];
    const mixed = await extractFeatures(model, d, idx, { t: 11, batchSize: 5, seed: 2, taps: chosen });
    expect([...mixed.keys()].sort()).toEqual([...chosen].sort());
    expect(mixed.get('out_1')!.data).toEqual(decoder.get('out_1')!.data);
    expect(mixed.get('enc_1')!.dim).toBe(model.plan.baseChannels);
    model.dispose();
  });
});

describe('probe grid', () => {
  it('streams every (t, tap) cell, with the baseline, and repeated runs leave the tensor count unchanged', async () => {
    const model = tinyUNet();
    const data = { dataset: stripes(60), train: range(0, 40), test: range(40, 60) };
    const streamed: number[] = [];
    const progress: number[] = [];
    const kept: string[] = [];
    const first = await runProbeGrid(model, 'tiny', data, SETTINGS, {
      onCell: (_, i) => streamed.push(i),
      onProgress: (p) => progress.push(p.done / p.total),
      onFeatures: (t, tap, train, test) => {
        kept.push(`${t}/${tap}`);
        expect(train.data).toHaveLength(30 * train.dim);
        expect(test.data).toHaveLength(15 * test.dim);
      },
    });
    const taps = tapNames(model);
    expect(first.status).toBe('complete');
    expect(first.taps).toEqual(taps);
    expect(first.cells).toHaveLength(2 * taps.length);
    expect(streamed).toEqual(first.cells.map((_, i) => i));
    expect(kept).toHaveLength(first.cells.length);
    expect(
      first.cells.every((c) => c.status === 'done' && c.accuracy !== null && c.knnAccuracy !== null),
    ).toBe(true);
    expect(first.cells[0].curve).toHaveLength(3);
    expect(first.baseline?.dim).toBe(64);
    expect(first.featureImages).toBe(2 * 45);
    expect(progress.at(-1)).toBe(1);
    expect(bestCell(first.cells)).not.toBeNull();

    const before = tf.memory().numTensors;
    const again = await runProbeGrid(model, 'tiny', data, SETTINGS);
    await runProbeGrid(model, 'tiny', data, SETTINGS);
    expect(tf.memory().numTensors).toBe(before);
    // Seeded end to end: the same settings give the same grid.
    expect(again.cells.map((c) => c.accuracy)).toEqual(first.cells.map((c) => c.accuracy));

    const md = markdownTable(first);
    expect(md).toContain('| tap \\ t | 1 | 101 |');
    expect(md).toContain('**');
    expect(md).toContain('Raw-pixel baseline (64 features)');
    expect(gridCsv(first).split('\n')[0]).toBe(
      'model,dataset,t,tap,status,dim,linear_acc,train_acc,knn_acc,error',
    );
    model.dispose();
  });

  it('marks a cell whose features are NaN as failed and goes on', async () => {
    const inner = tinyUNet();
    const poisoned: Denoiser & { plan: UNetDenoiser['plan'] } = {
      arch: 'unet',
      imageShape: inner.imageShape,
      specs: inner.specs,
      params: inner.params,
      plan: inner.plan,
      forward(x, t, options) {
        const out = inner.forward(x, t, options);
        return {
          eps: out.eps,
          taps: out.taps.map((tap) => {
            if (tap.name !== 'out_2') return tap;
            const nan = tf.fill(tap.pooled.shape, Number.NaN) as tf.Tensor2D;
            tap.pooled.dispose();
            return { ...tap, pooled: nan };
          }),
        };
      },
      dispose: () => inner.dispose(),
    };
    const data = { dataset: stripes(45), train: range(0, 30), test: range(30, 45) };
    const before = tf.memory().numTensors;
    const r = await runProbeGrid(poisoned, 'poisoned', data, { ...SETTINGS, rawBaseline: false, knn: false });
    expect(tf.memory().numTensors).toBe(before);
    const failed = r.cells.filter((c) => c.status === 'failed');
    expect(failed.map((c) => `${c.t}/${c.tap}`)).toEqual(['1/out_2', '101/out_2']);
    expect(failed[0].error).toContain('NaN');
    expect(r.cells.filter((c) => c.status === 'done')).toHaveLength(r.cells.length - 2);
    expect(r.status).toBe('complete');
    expect(markdownTable(r)).toContain('Failed: out_2 at t = 1');
    poisoned.dispose();
  });

  it('keeps the finished cells of a cancelled run and marks the rest', async () => {
    const model = tinyUNet();
    const data = { dataset: stripes(45), train: range(0, 30), test: range(30, 45) };
    const controller = new AbortController();
    const before = tf.memory().numTensors;
    const r = await runProbeGrid(
      model,
      'tiny',
      data,
      { ...SETTINGS, rawBaseline: false },
      { signal: controller.signal, onCell: () => controller.abort() },
    );
    expect(tf.memory().numTensors).toBe(before);
    expect(r.status).toBe('cancelled');
    const statuses = r.cells.map((c: ProbeCell) => c.status);
    expect(statuses[0]).toBe('done');
    expect(statuses.slice(1).every((s) => s === 'cancelled')).toBe(true);
    expect(markdownTable(r)).toContain('cancelled');
    model.dispose();
  });

  it('refuses bad input with a reason', async () => {
    const model = tinyUNet();
    const taps = tapNames(model);
    const m = { imageShape: model.imageShape, taps };
    const base = { dataset: stripes(12), train: range(0, 9), test: range(9, 12) };
    const check = (data: typeof base, s: Partial<ProbeGridSettings> = {}) => {
      const r = checkProbeInput(m, data, { ...SETTINGS, ...s });
      return r.ok ? 'ok' : r.error;
    };
    expect(check(base)).toBe('ok');
    expect(check({ ...base, dataset: stripes(12, 16) })).toMatch(/takes 1×8×8 images .* has 1×16×16.*resize/);
    expect(check({ ...base, dataset: stripes(12, 8, false) })).toMatch(/has no labels/);
    const oneClass = { ...stripes(12), labels: new Int32Array(12).fill(1) };
    expect(check({ ...base, dataset: oneClass })).toMatch(/single class \(vertical\).*at least two/);
    expect(check({ ...base, test: new Int32Array(0) })).toMatch(/no labelled test images/);
    expect(check(base, { timesteps: [1, 1001] })).toMatch(/1001 is not an integer in \[0, 1000\]/);
    expect(check(base, { taps: ['out_9'] })).toMatch(/no tap out_9; its taps are out_1/);
    const withExtra = { imageShape: model.imageShape, taps: allTapNames(model), defaultTaps: taps };
    const defaults = checkProbeInput(withExtra, base, SETTINGS);
    expect(defaults.ok && defaults.value.taps).toEqual(taps);
    const extra = checkProbeInput(withExtra, base, { ...SETTINGS, taps: ['out_1', 'middle'] });
    expect(extra.ok && extra.value.taps).toEqual(['middle', 'out_1']); // forward order
    await expect(
      runProbeGrid(model, 'tiny', { ...base, dataset: stripes(12, 16) }, SETTINGS),
    ).rejects.toThrow(/takes 1×8×8/);
    expect(parseTimesteps('21, 1 11,11')).toEqual({ ok: true, value: [1, 11, 21] });
    expect(parseTimesteps('1,x')).toMatchObject({ ok: false });
    model.dispose();
  });
});

describe('projection', () => {
  it('PCA finds the direction of a line and the spread across it', () => {
    const n = 50;
    const data = new Float32Array(n * 3);
    for (let i = 0; i < n; i++) {
      const s = i - n / 2;
      data.set([2 * s, s, (i % 2) * 0.5], i * 3);
    }
    const p = pca2d(data, 3);
    expect(p.explained![0]).toBeGreaterThan(0.99);
    expect(Math.abs(p.points[2 * 10] - p.points[2 * 11])).toBeCloseTo(Math.sqrt(5), 3);
  });
});
