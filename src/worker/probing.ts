/**
 * Probing in the worker: runs the core grid on a model and a data set, streams cells to the UI, keeps the
 * latest run's features (within a memory budget) for the cell views (PCA/UMAP scatter, nearest
 * neighbours), and stores finished or cancelled runs in IndexedDB so they can be compared later.
 */
import type { ImageDataset } from '../core/data/dataset';
import type { Denoiser } from '../core/diffusion/denoiser';
import {
  allTapNames,
  bestCell,
  nearestNeighbours,
  type ProbeGridResult,
  parseProbeGridJson,
  pca2d,
  runProbeGrid,
  type TapFeatures,
  tapNames,
  umap2d,
} from '../core/probe';
import type {
  ProbeCellView,
  ProbeEvent,
  ProbeNeighbours,
  ProbeRequest,
  ProbeRunSummary,
  ProbeTaps,
  ProgressCallback,
} from './api';
import { type BlobStore, createBlobStore, indexedDbAvailable } from './blob-store';
import { canFetchShipped, modelUrl, SHIPPED_DIRS, SHIPPED_PREFIX } from './shipped-models';

/** Features of the latest run kept for the cell views; past this, later cells keep none. */
const FEATURE_BUDGET_BYTES = 256 * 1024 * 1024;
/** Points in a scatter plot (the first test images of the run). */
const MAX_SCATTER_POINTS = 1000;

export interface ProbeDataSource {
  dataset: ImageDataset;
  train: Int32Array;
  test: Int32Array;
}

interface LastRun {
  id: string;
  dataset: ImageDataset;
  train: Int32Array;
  test: Int32Array;
  features: Map<string, { train: TapFeatures; test: TapFeatures }>;
  bytes: number;
}

type StoredRun = { id: string; createdAt: number; summary: ProbeRunSummary };

let last: LastRun | null = null;
let store: BlobStore<StoredRun, ProbeGridResult> | null = null;
const memoryRuns = new Map<string, { meta: StoredRun; payload: ProbeGridResult }>();

function runStore(): BlobStore<StoredRun, ProbeGridResult> {
  if (store) return store;
  store = indexedDbAvailable()
    ? createBlobStore<StoredRun, ProbeGridResult>('ddae-playground-probes')
    : {
        save: async (meta, payload) => void memoryRuns.set(meta.id, { meta, payload }),
        list: async () => [...memoryRuns.values()].map((r) => r.meta),
        load: async (id) => memoryRuns.get(id) ?? null,
        remove: async (id) => void memoryRuns.delete(id),
      };
  return store;
}

const newRunId = () => `probe-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;

/** The grid `npm run probe` computed on each shipped model (`public/models/<dir>/probe.json`), if shipped. */
let shippedRuns: Promise<Map<string, ProbeGridResult>> | null = null;

function listShippedRuns(): Promise<Map<string, ProbeGridResult>> {
  if (!canFetchShipped()) return Promise.resolve(new Map());
  shippedRuns ??= Promise.all(
    SHIPPED_DIRS.map(async (dir): Promise<[string, ProbeGridResult] | null> => {
      try {
        const response = await fetch(modelUrl(dir, 'probe.json'));
        if (!response.ok) return null;
        const parsed = parseProbeGridJson(await response.text(), `${dir}/probe.json`);
        return parsed.ok ? [`${SHIPPED_PREFIX}${dir}`, parsed.value] : null;
      } catch {
        return null; // a missing file may come back as the app's index.html: only a real grid counts
      }
    }),
  ).then((all) => new Map(all.filter((e) => e !== null)));
  return shippedRuns;
}

const key = (t: number, tap: string) => `${t}|${tap}`;

export function summarize(id: string, r: ProbeGridResult, shipped = false): ProbeRunSummary {
  const best = bestCell(r.cells);
  return {
    id,
    modelName: r.model.name,
    arch: r.model.arch,
    datasetName: r.dataset.name,
    createdAt: r.createdAt,
    status: r.status,
    best: best && { t: best.t, tap: best.tap, accuracy: best.accuracy ?? 0 },
    baseline: r.baseline?.accuracy ?? null,
    cells: r.cells.length,
    doneCells: r.cells.filter((c) => c.status === 'done').length,
    shipped,
  };
}

export function probeTaps(model: Denoiser): ProbeTaps {
  return { names: allTapNames(model), defaults: tapNames(model) };
}

export async function runProbing(
  model: Denoiser,
  modelName: string,
  source: ProbeDataSource,
  request: ProbeRequest,
  signal: AbortSignal,
  onProgress: ProgressCallback,
  onEvent: (e: ProbeEvent) => void,
): Promise<{ id: string; result: ProbeGridResult }> {
  const id = newRunId();
  last = null;
  const run: LastRun = {
    id,
    dataset: source.dataset,
    train: new Int32Array(0),
    test: new Int32Array(0),
    features: new Map(),
    bytes: 0,
  };
  const result = await runProbeGrid(model, modelName, source, request.settings, {
    signal,
    onProgress: (p) => onProgress(p),
    onStart: ({ train, test, taps, classNames, notes }) => {
      run.train = train;
      run.test = test;
      last = run;
      onEvent({
        type: 'started',
        id,
        datasetName: source.dataset.name,
        classNames,
        train: train.length,
        test: test.length,
        taps,
        notes,
      });
    },
    onBaseline: (baseline) => onEvent({ type: 'baseline', baseline }),
    onCell: (cell, index) => onEvent({ type: 'cell', index, cell }),
    onFeatures: (t, tap, train, test) => {
      const bytes = (train.data.length + test.data.length) * 4;
      if (run.bytes + bytes > FEATURE_BUDGET_BYTES) return;
      run.bytes += bytes;
      run.features.set(key(t, tap), { train, test });
    },
  });
  await runStore()
    .save({ id, createdAt: result.createdAt, summary: summarize(id, result) }, result)
    .catch(() => {});
  return { id, result };
}

function cellFeatures(runId: string, t: number, tap: string) {
  if (!last || last.id !== runId) {
    throw new Error(
      'The features of this run are no longer in memory (only the latest run of this session keeps them): run the grid again to see them.',
    );
  }
  const f = last.features.get(key(t, tap));
  if (!f) {
    throw new Error(
      `No features kept for ${tap} at t = ${t}: the cell failed or did not run, or the run outgrew the memory kept for views.`,
    );
  }
  return { run: last, ...f };
}

export async function cellProjection(
  runId: string,
  t: number,
  tap: string,
  method: 'pca' | 'umap',
  signal: AbortSignal,
  onProgress: ProgressCallback,
): Promise<ProbeCellView> {
  const { run, test } = cellFeatures(runId, t, tap);
  const n = Math.min(MAX_SCATTER_POINTS, test.data.length / test.dim);
  const data = test.data.subarray(0, n * test.dim);
  const projection =
    method === 'pca'
      ? pca2d(data, test.dim)
      : await umap2d(data, test.dim, 0, {
          signal,
          onProgress: (done, total) => onProgress({ done, total, label: `UMAP epoch ${done}/${total}` }),
        });
  return {
    runId,
    t,
    tap,
    method,
    points: projection.points,
    explained: projection.explained,
    labels: Int32Array.from(run.test.subarray(0, n), (i) => run.dataset.labels[i]),
    positions: Int32Array.from({ length: n }, (_, k) => k),
  };
}

/** The test images the neighbour view can query: the first `count` of the run's test split. */
export function probeTestImages(runId: string, count: number): ProbeNeighbours['query'][] {
  if (!last || last.id !== runId) return [];
  const { dataset, test } = last;
  const stride = dataset.height * dataset.width * dataset.channels;
  return Array.from(test.subarray(0, count), (index, position) => ({
    position,
    index,
    label: dataset.labels[index],
    pixels: dataset.pixels.slice(index * stride, (index + 1) * stride),
  }));
}

export async function cellNeighbours(
  runId: string,
  t: number,
  tap: string,
  position: number,
  k: number,
): Promise<ProbeNeighbours> {
  const { run, train, test } = cellFeatures(runId, t, tap);
  const nTest = test.data.length / test.dim;
  if (!Number.isInteger(position) || position < 0 || position >= nTest) {
    throw new Error(`Test image ${position} is not in this run (it has ${nTest}).`);
  }
  const query = { dim: test.dim, data: test.data.subarray(position * test.dim, (position + 1) * test.dim) };
  const nb = await nearestNeighbours(train, query, k);
  const { dataset } = run;
  const stride = dataset.height * dataset.width * dataset.channels;
  const image = (index: number) => dataset.pixels.subarray(index * stride, (index + 1) * stride);
  const queryIndex = run.test[position];
  const neighbours = Array.from(nb.indices[0], (row, j) => {
    const index = run.train[row];
    return { index, label: dataset.labels[index], similarity: nb.similarities[0][j] };
  });
  const pixels = new Uint8Array((neighbours.length + 1) * stride);
  pixels.set(image(queryIndex), 0);
  for (const [j, n] of neighbours.entries()) pixels.set(image(n.index), (j + 1) * stride);
  return {
    query: {
      position,
      index: queryIndex,
      label: dataset.labels[queryIndex],
      pixels: image(queryIndex).slice(),
    },
    neighbours,
    pixels,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
  };
}

export async function listProbeRuns(): Promise<ProbeRunSummary[]> {
  const shipped = [...(await listShippedRuns())].map(([id, r]) => summarize(id, r, true));
  const stored = (await runStore().list()).map((m) => ({ ...m.summary, shipped: false }));
  return [...shipped, ...stored];
}

export async function loadProbeRun(id: string): Promise<ProbeGridResult> {
  if (id.startsWith(SHIPPED_PREFIX)) {
    const shipped = (await listShippedRuns()).get(id);
    if (!shipped) throw new Error(`No shipped probe grid ${id.slice(SHIPPED_PREFIX.length)}.`);
    return shipped;
  }
  const stored = await runStore().load(id);
  if (!stored) throw new Error('This probe run is no longer stored in the browser.');
  return stored.payload;
}

export async function deleteProbeRun(id: string): Promise<void> {
  if (id.startsWith(SHIPPED_PREFIX)) throw new Error('A shipped probe grid cannot be deleted.');
  await runStore().remove(id);
}

export async function importProbeRun(fileName: string, text: string): Promise<ProbeRunSummary> {
  const parsed = parseProbeGridJson(text, fileName);
  if (!parsed.ok) throw new Error(parsed.error);
  const id = newRunId();
  const summary = summarize(id, parsed.value);
  await runStore().save({ id, createdAt: parsed.value.createdAt, summary }, parsed.value);
  return summary;
}
