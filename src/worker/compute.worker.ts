/**
 * The compute worker: the only place tfjs runs in the browser. It owns the backend and the GPU device,
 * holds the loaded data sets, and serves the UI through Comlink.
 */
import * as Comlink from 'comlink';
import { loadUploadedFiles } from '../core/data/detect';
import { idxToDataset } from '../core/data/idx';
import { hasTrainTestBoundary, range, readPage } from '../core/data/splits';
import { computeDatasetStats } from '../core/data/stats';
import { type BackendInfo, initBackend, memoryStats } from '../core/gpu/backend';
import { checkCustomKernels } from '../core/gpu/kernel-check';
// Gradient kernels the wasm backend lacks or runs slowly: training needs them.
import '../core/gpu/kernels/conv2d-backprop-wasm';
import '../core/gpu/kernels/matmul-wasm';
import { throwIfCancelled } from '../core/job';
import { permutation } from '../core/probe/linear-probe';
import type {
  ComputeApi,
  DatasetSummary,
  ProgressCallback,
  TrainingCheckpointInfo,
  TrainingEvent,
  UploadedFile,
} from './api';
import { createBlobStore, indexedDbAvailable } from './blob-store';
import { deleteStored, listStored, loadStored, saveDataset } from './dataset-store';
import * as datasets from './datasets';
import { fetchBytes } from './fetch-bytes';
import { cancelJob, runJob } from './jobs';
import * as models from './models';
import * as probing from './probing';
import { QualityService, SHIPPED_CLASSIFIER } from './quality';
import { retrievalApi } from './retrieval-api';
import { exportTrajectory, runSampling, trajectoryFrame } from './sampling';
import { memoryCheckpointStore, TrainingController, type TrainingData } from './training';
import { WASM_PATHS } from './wasm-paths';
import { oneWasmThreadPerCore, wasmThreadCount } from './wasm-thread-pool';

let backendInfo: Promise<BackendInfo> | null = null;

interface MnistManifest {
  count: number;
  trainCount: number;
  images: string;
  labels: string;
}

const dataUrl = (path: string) =>
  new URL(`${import.meta.env.BASE_URL}data/${path}`, self.location.origin).href;

function storedSummary(meta: Awaited<ReturnType<typeof listStored>>[number]): DatasetSummary {
  return {
    id: meta.id,
    name: meta.name,
    source: 'upload',
    count: meta.count,
    height: meta.height,
    width: meta.width,
    channels: meta.channels,
    classNames: meta.classNames,
    classCounts: [],
    splits: [
      { name: 'all', count: meta.count },
      ...(hasTrainTestBoundary(meta.count, meta.trainCount)
        ? [
            { name: 'train' as const, count: meta.trainCount },
            { name: 'test' as const, count: meta.count - meta.trainCount },
          ]
        : []),
    ],
    problems: meta.problems,
    persisted: true,
    inMemory: false,
  };
}

async function readUploads(
  files: UploadedFile[],
  signal: AbortSignal,
  onProgress: ProgressCallback,
): Promise<{ path: string; bytes: Uint8Array }[]> {
  if (files.length === 0) throw new Error('No files were chosen.');
  const read: { path: string; bytes: Uint8Array }[] = [];
  for (const [i, f] of files.entries()) {
    throwIfCancelled(signal);
    read.push({ path: f.path, bytes: new Uint8Array(await f.file.arrayBuffer()) });
    onProgress({ done: i + 1, total: files.length, label: 'Reading files' });
  }
  return read;
}

/** The embedded MNIST, fetched and registered on first use. */
async function ensureMnist(signal: AbortSignal, onProgress: ProgressCallback): Promise<DatasetSummary> {
  const existing = datasets.summaries().find((s) => s.id === 'mnist');
  if (existing) return existing;
  const manifest = (await (await fetch(dataUrl('mnist/manifest.json'), { signal })).json()) as MnistManifest;
  const images = await fetchBytes(
    dataUrl(`mnist/${manifest.images}`),
    (done, total) => onProgress({ done, total, label: 'Downloading MNIST images' }),
    signal,
  );
  const labels = await fetchBytes(dataUrl(`mnist/${manifest.labels}`), () => {}, signal);
  onProgress({ done: 1, total: 1, label: 'Decoding' });
  const parsed = idxToDataset(images, labels, 'MNIST (embedded, 10k)');
  if (!parsed.ok) throw new Error(`The embedded MNIST files are damaged: ${parsed.error}`);
  return datasets.register('mnist', parsed.value, {
    source: 'embedded',
    trainCount: manifest.trainCount,
    problems: [],
    persisted: false,
  });
}

/** A data set for training: the embedded MNIST's train split, or an upload (read back from IndexedDB). */
async function trainingData(id: string): Promise<TrainingData> {
  if (id === 'mnist') await ensureMnist(new AbortController().signal, () => {});
  else await api.openDataset(id);
  const { dataset, splits } = datasets.get(id);
  const train = splits.find((s) => s.name === 'train') ?? splits[0];
  return { dataset, trainIndices: train.indices };
}

/**
 * A labelled set for probing: its own train/test split (embedded MNIST: 8,000 / 2,000), else a seeded
 * 80/20 split (uploads are often ordered by class, so not simply the last 20%).
 */
async function probeData(id: string): Promise<probing.ProbeDataSource> {
  if (id === 'mnist') await ensureMnist(new AbortController().signal, () => {});
  else await api.openDataset(id);
  const { dataset, splits } = datasets.get(id);
  const train = splits.find((s) => s.name === 'train');
  const test = splits.find((s) => s.name === 'test');
  if (train && test) return { dataset, train: train.indices, test: test.indices };
  const n = dataset.labels.length;
  const order = permutation(n, 0, 0);
  const cut = Math.round(n * 0.8);
  const pick = (from: number, to: number) => Int32Array.from(order.subarray(from, to)).sort();
  return { dataset, train: n > 1 ? pick(0, cut) : range(0, n), test: n > 1 ? pick(cut, n) : range(0, 0) };
}

/** Sample quality: the shipped MNIST classifier and the embedded MNIST's splits, fetched on first use. */
const quality = new QualityService({
  classifier: (signal, onProgress) =>
    fetchBytes(
      new URL(`${import.meta.env.BASE_URL}${SHIPPED_CLASSIFIER}`, self.location.origin).href,
      (done, total) => onProgress({ done, total, label: 'Downloading the MNIST classifier' }),
      signal,
    ),
  reference: async (signal, onProgress) => {
    await ensureMnist(signal, onProgress);
    const { dataset, splits } = datasets.get('mnist');
    const train = splits.find((s) => s.name === 'train');
    const test = splits.find((s) => s.name === 'test');
    if (!train || !test) throw new Error('The embedded MNIST has no train/test split.');
    return { dataset, train: train.indices, test: test.indices };
  },
});

const training = new TrainingController({
  store: indexedDbAvailable()
    ? createBlobStore<TrainingCheckpointInfo, Uint8Array>('ddae-playground-training')
    : memoryCheckpointStore(),
  resolveData: trainingData,
});

/** Hands events to the UI, moving (not copying) the pixel and checkpoint buffers. */
const forward = (onEvent: (e: TrainingEvent) => void) => (e: TrainingEvent) => {
  const buffers =
    e.type === 'preview' ? [e.preview.pixels.buffer] : e.type === 'save-failed' ? [e.bytes.buffer] : [];
  void Promise.resolve(onEvent(Comlink.transfer(e, buffers as ArrayBuffer[]))).catch(() => {});
};

const api: ComputeApi = {
  init(preferred) {
    if (!backendInfo) oneWasmThreadPerCore();
    backendInfo ??= initBackend({
      preferred,
      wasmPaths: WASM_PATHS,
      wasmThreads: wasmThreadCount(),
    });
    return backendInfo;
  },

  async memory() {
    return memoryStats();
  },

  async listDatasets() {
    const inMemory = datasets.summaries();
    if (!indexedDbAvailable()) return inMemory;
    const stored = await listStored().catch(() => []);
    const known = new Set(inMemory.map((s) => s.id));
    return [...inMemory, ...stored.filter((m) => !known.has(m.id)).map(storedSummary)];
  },

  loadEmbeddedMnist(jobId, onProgress) {
    return runJob(jobId, (signal) => ensureMnist(signal, onProgress));
  },

  loadUpload(jobId, files, onProgress) {
    return runJob(jobId, async (signal) => {
      const read = await readUploads(files, signal, onProgress);
      onProgress({ done: 0, total: 1, label: 'Decoding' });
      const loadedSet = loadUploadedFiles(read);
      if (!loadedSet.dataset) {
        const details = loadedSet.problems.length
          ? ` Problems: ${loadedSet.problems.slice(0, 5).join('; ')}`
          : '';
        throw new Error(`${loadedSet.error ?? 'No usable images found.'}${details}`);
      }
      const id = `upload-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
      // The files' own train/test split (idx train/t10k, CIFAR-10 test_batch), as the CLIs keep it.
      const trainCount = loadedSet.trainCount ?? null;
      let persisted = false;
      if (indexedDbAvailable()) {
        persisted = await saveDataset(id, loadedSet.dataset, loadedSet.problems, trainCount).then(
          () => true,
          (e: Error) => {
            loadedSet.problems.push(
              `Not kept for the next visit: the browser refused to store it (${e.message}).`,
            );
            return false;
          },
        );
      }
      return datasets.register(id, loadedSet.dataset, {
        source: 'upload',
        trainCount,
        problems: loadedSet.problems,
        persisted,
      });
    });
  },

  async openDataset(id) {
    const inMemory = datasets.summaries().find((s) => s.id === id);
    if (inMemory) return inMemory;
    const stored = await loadStored(id);
    if (!stored) throw new Error('This data set is no longer stored in the browser. Upload it again.');
    return datasets.register(id, stored.dataset, {
      source: 'upload',
      trainCount: stored.meta.trainCount ?? null,
      problems: stored.meta.problems,
      persisted: true,
    });
  },

  async deleteDataset(id) {
    datasets.forget(id);
    if (indexedDbAvailable()) await deleteStored(id);
  },

  async readPage({ datasetId, split, label, offset, count }) {
    const { dataset } = datasets.get(datasetId);
    const indices = datasets.selection(datasetId, split, label);
    const page = readPage(dataset, indices, offset, count);
    const result = {
      ...page,
      total: indices.length,
      height: dataset.height,
      width: dataset.width,
      channels: dataset.channels,
    };
    return Comlink.transfer(result, [page.pixels.buffer, page.labels.buffer, page.indices.buffer]);
  },

  datasetStats(jobId, datasetId, split, onProgress: ProgressCallback) {
    return runJob(jobId, async (signal) => {
      const { dataset } = datasets.get(datasetId);
      const indices = datasets.selection(datasetId, split, null);
      return computeDatasetStats(dataset, indices, {
        signal,
        onProgress: (done, total) => onProgress({ done, total, label: `Images ${done}/${total}` }),
      });
    });
  },

  checkKernels(jobId, onProgress) {
    return runJob(jobId, (signal) =>
      checkCustomKernels({
        signal,
        onProgress: (done, total) => onProgress({ done, total, label: `Case ${done}/${total}` }),
      }),
    );
  },

  async cancel(jobId) {
    cancelJob(jobId);
  },

  listModels: () => models.listModels(),

  importCheckpoint(jobId, files, onProgress) {
    return runJob(jobId, async (signal) => {
      const read = await readUploads(files, signal, onProgress);
      onProgress({ done: 0, total: 1, label: 'Checking the weights' });
      return models.importCheckpoint(read);
    });
  },

  deleteModel: (id) => models.deleteModel(id),

  sample(jobId, request, onFrame, onProgress) {
    return runJob(jobId, async (signal) => {
      const model = await models.getModel(request.modelId);
      return runSampling(model, request, signal, onProgress, (frame) =>
        onFrame(Comlink.transfer(frame, [frame.xt.buffer, frame.x0.buffer])),
      );
    });
  },

  async trajectoryFrame(index) {
    const frame = trajectoryFrame(index);
    return Comlink.transfer(frame, [frame.xt.buffer, frame.x0.buffer]);
  },

  async exportTrajectory() {
    const bytes = exportTrajectory();
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  scoreSamples(jobId, request, onProgress) {
    return runJob(jobId, async (signal) => {
      const model = await models.getModel(request.modelId);
      const name = (await models.listModels()).find((m) => m.id === request.modelId)?.name ?? request.modelId;
      const report = await quality.run(model, name, request, signal, onProgress);
      return Comlink.transfer(report, [report.preview.pixels.buffer as ArrayBuffer]);
    });
  },

  startTraining: (request, onEvent) => training.start(request, forward(onEvent)),
  resumeTrainingFrom: (request, onEvent) => training.resumeFrom(request, forward(onEvent)),
  pauseTraining: () => training.pause(),
  continueTraining: () => training.continue(),
  stopTraining: () => training.stop(),
  saveTrainingCheckpoint: () => training.saveNow(),
  listTrainingCheckpoints: () => training.list(),
  async downloadTrainingCheckpoint(id) {
    const file = await training.download(id);
    // A copy: the stored bytes may be the store's own buffer.
    const bytes = file.bytes.slice();
    return Comlink.transfer({ fileName: file.fileName, bytes }, [bytes.buffer]);
  },
  async uploadTrainingCheckpoint(file) {
    return training.upload(file.path, new Uint8Array(await file.file.arrayBuffer()));
  },
  deleteTrainingCheckpoint: (id) => training.remove(id),
  async useTrainingCheckpointInSampling(id) {
    const { fileName, bytes } = await training.emaModelFile(id);
    return training.serveBeside(() => models.importCheckpoint([{ path: fileName, bytes }]));
  },
  unfinishedTrainingRun: () => training.unfinished(),

  async probeTaps(modelId) {
    return probing.probeTaps(await models.getModel(modelId));
  },
  runProbe(jobId, request, onEvent, onProgress) {
    return runJob(jobId, async (signal) => {
      const model = await models.getModel(request.modelId);
      const name = (await models.listModels()).find((m) => m.id === request.modelId)?.name ?? request.modelId;
      const source = await probeData(request.datasetId);
      return probing.runProbing(model, name, source, request, signal, onProgress, (e) => {
        void Promise.resolve(onEvent(e)).catch(() => {});
      });
    });
  },
  probeProjection(jobId, runId, cell, method, onProgress) {
    return runJob(jobId, (signal) =>
      probing.cellProjection(runId, cell.t, cell.tap, method, signal, onProgress),
    );
  },
  probeTestImages: async (runId, count) => probing.probeTestImages(runId, count),
  probeNeighbours: (runId, cell, position, k) => probing.cellNeighbours(runId, cell.t, cell.tap, position, k),
  listProbeRuns: () => probing.listProbeRuns(),
  loadProbeRun: (id) => probing.loadProbeRun(id),
  deleteProbeRun: (id) => probing.deleteProbeRun(id),
  importProbeRun: (fileName, text) => probing.importProbeRun(fileName, text),
  ...retrievalApi(() => backendInfo),
};

/** Runs an IndexedDB-backed call between training steps (see TrainingController.serveBeside). */
const besideTraining =
  <A extends unknown[], R>(f: (...args: A) => Promise<R>) =>
  (...args: A) =>
    training.serveBeside(() => f(...args));

Comlink.expose({
  ...api,
  listDatasets: besideTraining(api.listDatasets),
  openDataset: besideTraining(api.openDataset),
  deleteDataset: besideTraining(api.deleteDataset),
  listModels: besideTraining(api.listModels),
  deleteModel: besideTraining(api.deleteModel),
  listProbeRuns: besideTraining(api.listProbeRuns),
  loadProbeRun: besideTraining(api.loadProbeRun),
  deleteProbeRun: besideTraining(api.deleteProbeRun),
  importProbeRun: besideTraining(api.importProbeRun),
} satisfies ComputeApi);
