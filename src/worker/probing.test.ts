/**
 * The worker's probing service on the cpu backend with a tiny UNet on 8x8 stripes: a run streams its
 * events and is stored; the latest run's cells give PCA and UMAP scatters and nearest neighbours; an older
 * run's features are gone with a message that says so.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../scripts/lib/test-backends';
import type { ImageDataset } from '../core/data/dataset';
import { presetConfig } from '../core/diffusion/train/presets';
import { createUNet, type UNetConfig } from '../core/diffusion/unet';
import type { ProbeGridSettings } from '../core/probe/types';
import type { ProbeEvent } from './api';
import {
  cellNeighbours,
  cellProjection,
  deleteProbeRun,
  importProbeRun,
  listProbeRuns,
  loadProbeRun,
  probeTestImages,
  runProbing,
} from './probing';

function stripes(n: number): ImageDataset {
  const size = 8;
  const pixels = new Uint8Array(n * size * size);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const u = i % 2 === 0 ? y : x;
        pixels[(i * size + y) * size + x] = (u + Math.floor(i / 2)) % 2 === 0 ? 220 : 30;
      }
    }
  }
  return {
    name: 'stripes',
    height: size,
    width: size,
    channels: 1,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => i % 2),
    classNames: ['horizontal', 'vertical'],
  };
}

const settings: ProbeGridSettings = {
  timesteps: [11],
  taps: ['out_1', 'out_2'],
  trainCount: 24,
  testCount: 20,
  featureBatch: 8,
  seed: 0,
  probe: { epochs: 2, lr: 1e-2, batchSize: 8, standardize: true, seed: 0 },
  knn: false,
  knnK: 5,
  rawBaseline: false,
};

const range = (a: number, b: number) => Int32Array.from({ length: b - a }, (_, i) => a + i);

beforeAll(async () => {
  await switchBackend('cpu');
});

describe('probing in the worker', () => {
  it('streams and stores a run; its cells project and find neighbours; an older run says its features are gone', async () => {
    const c = presetConfig('unet', 'tiny', [1, 8, 8]);
    if (c.arch !== 'unet') throw new Error('unreachable');
    const model = createUNet(c.config as UNetConfig, 'random', 1);
    const source = { dataset: stripes(44), train: range(0, 24), test: range(24, 44) };
    const events: ProbeEvent['type'][] = [];
    const progress: number[] = [];
    const first = await runProbing(
      model,
      'tiny',
      source,
      { modelId: 'm', datasetId: 'd', settings },
      new AbortController().signal,
      (p) => progress.push(p.done),
      (e) => events.push(e.type),
    );
    expect(events).toEqual(['started', 'cell', 'cell']);
    expect(progress.length).toBeGreaterThan(2);
    expect((await listProbeRuns()).map((r) => r.id)).toEqual([first.id]);
    expect((await loadProbeRun(first.id)).cells.map((x) => x.status)).toEqual(['done', 'done']);

    const before = tf.memory().numTensors;
    const pca = await cellProjection(first.id, 11, 'out_2', 'pca', new AbortController().signal, () => {});
    expect(pca.points).toHaveLength(40);
    expect(Array.from(pca.labels)).toEqual(Array.from(range(24, 44), (i) => i % 2));
    expect(pca.explained?.[0]).toBeGreaterThan(0);
    const umap = await cellProjection(first.id, 11, 'out_1', 'umap', new AbortController().signal, () => {});
    expect(umap.points.every(Number.isFinite)).toBe(true);

    const nb = await cellNeighbours(first.id, 11, 'out_1', 3, 5);
    expect(nb.query.index).toBe(27);
    expect(nb.neighbours).toHaveLength(5);
    expect(nb.pixels).toHaveLength(6 * 64);
    expect(nb.neighbours[0].similarity).toBeGreaterThanOrEqual(nb.neighbours[4].similarity);
    expect(tf.memory().numTensors).toBe(before);
    expect(probeTestImages(first.id, 4).map((q) => q.index)).toEqual([24, 25, 26, 27]);
    await expect(cellNeighbours(first.id, 11, 'out_1', 99, 5)).rejects.toThrow(/not in this run/);
    await expect(cellNeighbours(first.id, 101, 'out_1', 0, 5)).rejects.toThrow(/No features kept/);

    const second = await runProbing(
      model,
      'tiny',
      source,
      { modelId: 'm', datasetId: 'd', settings: { ...settings, taps: ['out_1'] } },
      new AbortController().signal,
      () => {},
      () => {},
    );
    expect((await listProbeRuns()).map((r) => r.id)).toEqual([first.id, second.id]);
    await expect(cellNeighbours(first.id, 11, 'out_1', 0, 5)).rejects.toThrow(/latest run/);
    model.dispose();
  });

  it('imports a grid from JSON beside the stored runs, refuses a damaged one, and keeps shipped grids', async () => {
    const before = await listProbeRuns();
    const text = readFileSync('results/probe-mnist-unet-small-7800/probe.json', 'utf8');
    const summary = await importProbeRun('probe.json', text);
    expect(summary).toMatchObject({
      modelName: 'mnist-unet-small.train.safetensors',
      best: { t: 101, tap: 'out_2', accuracy: 0.902 },
      baseline: 0.885,
      cells: 18,
      doneCells: 18,
      shipped: false,
    });
    expect((await listProbeRuns()).map((r) => r.id)).toEqual([...before.map((r) => r.id), summary.id]);
    expect((await loadProbeRun(summary.id)).cells[1].accuracy).toBe(0.846);
    await expect(importProbeRun('notes.json', text.slice(0, 500))).rejects.toThrow(/notes.json is not JSON/);
    expect((await listProbeRuns()).length).toBe(before.length + 1);
    await expect(deleteProbeRun('shipped:mnist-unet-small')).rejects.toThrow(/cannot be deleted/);
    await deleteProbeRun(summary.id);
    expect((await listProbeRuns()).length).toBe(before.length);
  });
});
