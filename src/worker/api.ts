/**
 * The typed surface between the UI thread and the compute worker (Comlink). The UI imports only types
 * from here; everything that touches tfjs or a tensor stays on the worker's side.
 */

import type { ImagePage, Split } from '../core/data/splits';
import type { DatasetStats } from '../core/data/stats';
import type { BackendInfo, BackendName, MemoryStats } from '../core/gpu/backend';
import type { KernelCheck } from '../core/gpu/kernel-check';

export interface JobProgress {
  done: number;
  total: number;
  /** What is happening now, e.g. "Downloading MNIST" or "Batch 3/16". */
  label: string;
}
export type ProgressCallback = (p: JobProgress) => void;

/** Every long job returns its value with its wall time, measured in the worker. */
export interface JobResult<T> {
  value: T;
  ms: number;
}

export interface DatasetSummary {
  id: string;
  name: string;
  source: 'embedded' | 'upload';
  count: number;
  height: number;
  width: number;
  channels: number;
  classNames: string[];
  classCounts: number[];
  splits: { name: Split['name']; count: number }[];
  /** Files skipped while loading, each with its reason. */
  problems: string[];
  /** Whether the set is kept in IndexedDB and so survives a reload. */
  persisted: boolean;
  /** Whether the worker holds its pixels now (a stored set is read back from IndexedDB on first use). */
  inMemory: boolean;
}

export interface UploadedFile {
  /** Relative path, e.g. "digits/3/img_01.png" for a folder upload, else the file name. */
  path: string;
  file: Blob;
}

export interface PageRequest {
  datasetId: string;
  split: Split['name'];
  /** Restrict to one class, or null for all. */
  label: number | null;
  offset: number;
  count: number;
}

export interface PageResult extends ImagePage {
  /** Images in the split after the class filter (for the pager). */
  total: number;
  height: number;
  width: number;
  channels: number;
}

export interface ModelSummary {
  id: string;
  name: string;
  arch: 'unet' | 'dit';
  /** [channels, height, width]. */
  imageShape: [number, number, number];
  paramCount: number;
  /** The architecture as the checkpoint gave it (snake_case, as the official configs write it). */
  config: Record<string, unknown>;
  /** Which tensor-name prefix the weights came from, e.g. `ema_model.nn_model.`, or null for bare names. */
  prefix: string | null;
  persisted: boolean;
}

export interface SampleRequest {
  modelId: string;
  sampler: 'ddim' | 'ddpm';
  steps: number;
  /** DDIM only: 0 is deterministic, 1 is DDPM-like. */
  eta: number;
  seed: number;
  batch: number;
}

/** One denoising step as pixels: x_t and the predicted x0, uint8 NHWC [batch, h, w, c]. */
export interface SampleFrame {
  step: number;
  total: number;
  /** The timestep of x_t (1000 ... 0). */
  t: number;
  xt: Uint8Array;
  x0: Uint8Array;
}

export interface SampleSummary {
  steps: number;
  /** Steps kept for the scrubber and export (all of them unless the run exceeds the memory budget). */
  storedSteps: number;
  batch: number;
  height: number;
  width: number;
  channels: number;
  /** Mean wall time of one step (network + update + readback), excluding the first (shader compilation). */
  msPerStep: number;
  /** Time spent compiling the WebGPU pipelines before the first step (0 off WebGPU). */
  compileMs: number;
  /** The first step's time (warm-up of caches and memory pools). */
  firstStepMs: number;
}

export interface ComputeApi {
  init(preferred: BackendName | null): Promise<BackendInfo>;
  memory(): Promise<MemoryStats>;
  listDatasets(): Promise<DatasetSummary[]>;
  loadEmbeddedMnist(jobId: string, onProgress: ProgressCallback): Promise<JobResult<DatasetSummary>>;
  loadUpload(
    jobId: string,
    files: UploadedFile[],
    onProgress: ProgressCallback,
  ): Promise<JobResult<DatasetSummary>>;
  /** Brings a set kept in IndexedDB back into memory. */
  openDataset(id: string): Promise<DatasetSummary>;
  deleteDataset(id: string): Promise<void>;
  readPage(request: PageRequest): Promise<PageResult>;
  datasetStats(
    jobId: string,
    datasetId: string,
    split: Split['name'],
    onProgress: ProgressCallback,
  ): Promise<JobResult<DatasetStats>>;
  /** Runs each custom WGSL kernel against its CPU reference on fresh random inputs, on the active backend. */
  checkKernels(jobId: string, onProgress: ProgressCallback): Promise<JobResult<KernelCheck[]>>;
  cancel(jobId: string): Promise<void>;

  listModels(): Promise<ModelSummary[]>;
  /** A safetensors checkpoint keyed by official names, with its config in __metadata__ or a JSON beside it. */
  importCheckpoint(
    jobId: string,
    files: UploadedFile[],
    onProgress: ProgressCallback,
  ): Promise<JobResult<ModelSummary>>;
  deleteModel(id: string): Promise<void>;
  /** Samples a batch, streaming every step's x_t and x0 to `onFrame`; the trajectory stays in the worker. */
  sample(
    jobId: string,
    request: SampleRequest,
    onFrame: (frame: SampleFrame) => void,
    onProgress: ProgressCallback,
  ): Promise<JobResult<SampleSummary>>;
  /** The index-th stored step of the last sampling run (0 .. storedSteps - 1), for the scrubber. */
  trajectoryFrame(index: number): Promise<SampleFrame>;
  /** The last run's trajectory (x_t and x0 per step, in [-1, 1]) as safetensors. */
  exportTrajectory(): Promise<Uint8Array>;
}
