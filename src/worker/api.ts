/**
 * The typed surface between the UI thread and the compute worker (Comlink). The UI imports only types
 * from here; everything that touches tfjs or a tensor stays on the worker's side.
 */

import type { ImagePage, Split } from '../core/data/splits';
import type { DatasetStats } from '../core/data/stats';
import type { TrainArch, TrainPresetId as TrainPreset } from '../core/diffusion/train/presets';
import type { LrDecay } from '../core/diffusion/train/trainer';
import type { SampleQuality } from '../core/eval/sample-quality';
import type { BackendInfo, BackendName, MemoryStats } from '../core/gpu/backend';
import type { KernelCheck } from '../core/gpu/kernel-check';
import type { BaselineResult, ProbeCell, ProbeGridResult, ProbeGridSettings } from '../core/probe/types';
import type {
  PairView,
  RankingExportRow,
  RankingPage,
  RetrievalMode,
  RetrievalRequest,
  RetrievalSummary,
} from './retrieval-types';

export type { TrainArch, TrainPreset };

/** A model's taps: every one in forward order (UNet: enc_1.., middle, out_1..; DiT: layer-0..), and the
 * default choice (the UNet decoder's out_k as DDAE probes; every DiT block). */
export interface ProbeTaps {
  names: string[];
  defaults: string[];
}

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
  /** A shipped model's sample-quality figures as its model card (model.json) records them. */
  recordedQuality?: RecordedQuality | null;
  /** A shipped model's card: how it was trained and the sample grid it shipped with. */
  card?: ShippedCard | null;
}

/** What a shipped model's card (model.json) says about its training, for the Sampling panel. */
export interface ShippedCard {
  /** The card's own words on how far the model got, e.g. "Undertrained: 12,400 steps ...". */
  status: string | null;
  /** e.g. "MNIST (embedded), 8,000 images". */
  data: string | null;
  training: { steps: number; batchSize: number; wallSeconds: number; finalLoss: number } | null;
  /** The 64-sample grid `npm run evaluate -- --ship` drew, as a URL of the app. */
  samplesUrl: string | null;
}

/** The sample-quality figures `npm run evaluate -- --ship` writes into a shipped model's card. */
export interface RecordedQuality {
  /** e.g. "DDIM 20 steps, eta 0". */
  sampler: string;
  samples: SampleQuality;
  /** Train split vs test split. */
  floor: { classifierFid: number; confidentFraction: number } | null;
  /** The command that measured them. */
  evaluatedBy: string | null;
}

/** Draw N samples with the Sampling panel's settings and score them with the shipped MNIST classifier. */
export interface QualityRequest extends SampleRequest {
  /** Samples to draw and score (2 ... 1000); batch k (from image i) uses seed + i, as `npm run evaluate` does. */
  count: number;
}

export interface QualityReport {
  request: QualityRequest;
  modelName: string;
  /** The live figures of the N samples (classifier-FID against the reference split). */
  samples: SampleQuality;
  /** Images per predicted class. */
  classCounts: number[];
  classNames: string[];
  /** The same figures for the train split against the test split: the best a model can do. */
  floor: SampleQuality;
  /** The real images the FID compares against (the MNIST test split). */
  reference: { name: string; images: number };
  /** The confidence threshold of `confidentFraction`. */
  confident: number;
  /** Wall time of the sampling, and of scoring the samples. */
  sampleMs: number;
  scoreMs: number;
  backend: string;
  /** The `npm run evaluate` options that reproduce these samples. */
  cli: string;
  /** The first (up to 64) samples, uint8 NHWC, to see what was scored. */
  preview: { count: number; height: number; width: number; channels: number; pixels: Uint8Array };
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

/** How often a training run reports, previews and saves (shared by a new run and a resumed one). */
export interface TrainingSchedule {
  /** The step count to reach (a resumed run continues from its checkpoint's step up to this). */
  steps: number;
  /** Sample a preview grid from the EMA weights every this many steps (0: never). */
  previewEvery: number;
  /** Images in the preview grid. */
  previewCount: number;
  /** DDIM steps per preview. */
  previewSteps: number;
  /** Save a checkpoint to IndexedDB every this many steps (0: only on demand and at the end). */
  saveEvery: number;
}

export interface TrainRequest extends TrainingSchedule {
  /** A data set the worker knows: 'mnist' (the embedded train split) or an upload's id. */
  datasetId: string;
  arch: TrainArch;
  preset: TrainPreset;
  batchSize: number;
  lr: number;
  /** UNet only (the DiT has none): training-time dropout, 0 by default. */
  dropout?: number;
  /** After warm-up: constant (default) or a cosine decay to 0 at the last step (`steps`). */
  lrSchedule?: 'constant' | 'cosine';
  seed?: number;
}

export interface ResumeRequest extends Partial<TrainingSchedule> {
  checkpointId: string;
  /** The data set to train on; null: the one the checkpoint was trained on in this browser. */
  datasetId: string | null;
  /** A new peak learning rate from here on (after a diverged run); the checkpoint's own when omitted. */
  lr?: number;
}

export type TrainingState = 'running' | 'paused' | 'stopping' | 'finished' | 'stopped' | 'failed';

export interface TrainingRunInfo {
  runId: string;
  /** e.g. "UNet tiny · MNIST (embedded, 10k)". */
  name: string;
  arch: TrainArch;
  preset: TrainPreset | null;
  datasetId: string;
  datasetName: string;
  trainImages: number;
  imageShape: [number, number, number];
  paramCount: number;
  batchSize: number;
  lr: number;
  warmupSteps: number;
  /** After warm-up: constant, or a cosine decay to 0 between these steps. */
  lrDecay: LrDecay | null;
  /** The step the run (re)started at: 0 for a new run, the checkpoint's step when resumed. */
  startStep: number;
  schedule: TrainingSchedule;
}

export interface TrainingProgress {
  step: number;
  targetSteps: number;
  loss: number;
  /** Bias-corrected exponential moving average of the loss. */
  smoothLoss: number;
  lr: number;
  gradNorm: number;
  /** Training steps per second over the recent steps (network, update and readback; no previews or saves). */
  stepsPerSecond: number;
  /** Seconds to the target at the recent wall-clock rate (previews and saves included). */
  etaSeconds: number | null;
  /** Seconds spent training, summed over resumed sessions. */
  wallSeconds: number;
  memory: MemoryStats;
  /** (step, loss, smoothed loss) points since the previous report. */
  points: [number, number, number][];
}

export interface TrainingPreview {
  step: number;
  count: number;
  height: number;
  width: number;
  channels: number;
  /** uint8 NHWC [count, height, width, channels]. */
  pixels: Uint8Array;
  /** How long the preview took (DDIM steps on the EMA weights). */
  ms: number;
}

export interface TrainingCheckpointInfo {
  id: string;
  runId: string;
  /** File stem for downloads, e.g. "unet-tiny-mnist-step120". */
  name: string;
  arch: TrainArch;
  preset: TrainPreset | null;
  step: number;
  /** The run's target step count; null for an uploaded checkpoint. */
  targetSteps: number | null;
  /** The smoothed loss at the save (null when unknown). */
  loss: number | null;
  createdAt: number;
  /** The data set it trains on, when this browser knows it. */
  datasetId: string | null;
  datasetName: string;
  kind: 'auto' | 'manual' | 'final' | 'upload';
  bytes: number;
  batchSize: number;
  lr: number;
}

/** What a training run streams to the UI. */
export type TrainingEvent =
  | { type: 'started'; run: TrainingRunInfo; history: [number, number, number][] }
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'preview'; preview: TrainingPreview }
  | { type: 'checkpoint'; checkpoint: TrainingCheckpointInfo }
  /** A save to IndexedDB failed (quota, private mode): the checkpoint's bytes come along for a download. */
  | { type: 'save-failed'; step: number; message: string; fileName: string; bytes: Uint8Array }
  | { type: 'state'; state: TrainingState; message: string | null };

export interface ProbeRequest {
  modelId: string;
  /** 'mnist' (the embedded set: 8,000 train / 2,000 test) or an upload's id (its own split, else 80/20). */
  datasetId: string;
  settings: ProbeGridSettings;
}

/** What a probe run streams to the UI. */
export type ProbeEvent =
  | {
      type: 'started';
      id: string;
      datasetName: string;
      classNames: string[];
      train: number;
      test: number;
      taps: string[];
      notes: string[];
    }
  | { type: 'baseline'; baseline: BaselineResult }
  | { type: 'cell'; index: number; cell: ProbeCell };

export interface ProbeRunSummary {
  id: string;
  modelName: string;
  arch: 'unet' | 'dit';
  datasetName: string;
  createdAt: number;
  status: ProbeGridResult['status'];
  best: { t: number; tap: string; accuracy: number } | null;
  /** Raw-pixel linear-probe accuracy. */
  baseline: number | null;
  cells: number;
  doneCells: number;
  /** Computed by `npm run probe` on a shipped model and shipped beside it (read-only), or stored here. */
  shipped: boolean;
}

/** A 2-D projection of one cell's test features, one point per image, for the scatter plot. */
export interface ProbeCellView {
  runId: string;
  t: number;
  tap: string;
  method: 'pca' | 'umap';
  /** x0, y0, x1, y1, ... */
  points: Float32Array;
  /** PCA: the variance fraction of each axis. */
  explained: [number, number] | null;
  labels: Int32Array;
  /** Position of each point in the run's test images (what `probeNeighbours` takes). */
  positions: Int32Array;
}

export interface ProbeNeighbours {
  query: { position: number; index: number; label: number; pixels: Uint8Array };
  /** Most similar first (cosine on the cell's features), from the run's train images. */
  neighbours: { index: number; label: number; similarity: number }[];
  /** The query then its neighbours, uint8 NHWC. */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
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
  /**
   * Draws `count` samples and scores them with the shipped MNIST classifier (loaded on first use):
   * classifier-FID against the MNIST test split, confident fraction, class histogram, and the train/test
   * floor. Refuses models whose images are not 1x28x28.
   */
  scoreSamples(
    jobId: string,
    request: QualityRequest,
    onProgress: ProgressCallback,
  ): Promise<JobResult<QualityReport>>;

  /**
   * Starts training in the worker; resolves once the networks are built and the data set checked (a
   * mismatch rejects with the reason), then streams progress, previews and checkpoints to `onEvent`.
   */
  startTraining(request: TrainRequest, onEvent: (e: TrainingEvent) => void): Promise<TrainingRunInfo>;
  /** Continues a stored checkpoint (its own settings and data set) up to `steps`. */
  resumeTrainingFrom(request: ResumeRequest, onEvent: (e: TrainingEvent) => void): Promise<TrainingRunInfo>;
  /** Resolves after the step in flight, with the run paused. */
  pauseTraining(): Promise<void>;
  continueTraining(): Promise<void>;
  /** Stops after the step in flight, saves a final checkpoint (if any step is unsaved) and frees the networks. */
  stopTraining(): Promise<void>;
  /** Saves the running or paused run now; null when the save failed (a 'save-failed' event carries the bytes). */
  saveTrainingCheckpoint(): Promise<TrainingCheckpointInfo | null>;
  listTrainingCheckpoints(): Promise<TrainingCheckpointInfo[]>;
  downloadTrainingCheckpoint(id: string): Promise<{ fileName: string; bytes: Uint8Array }>;
  /** Stores an uploaded training checkpoint (it must carry a training record) so it can be resumed. */
  uploadTrainingCheckpoint(file: UploadedFile): Promise<TrainingCheckpointInfo>;
  deleteTrainingCheckpoint(id: string): Promise<void>;
  /** Registers the checkpoint's EMA weights as a model, so the Sampling panel lists it. */
  useTrainingCheckpointInSampling(id: string): Promise<ModelSummary>;
  /** The newest stored checkpoint when its run stopped short of its target (offered after a reload). */
  unfinishedTrainingRun(): Promise<TrainingCheckpointInfo | null>;

  /** The feature taps of a model, in forward order, and those probed by default. */
  probeTaps(modelId: string): Promise<ProbeTaps>;
  /**
   * Runs the probe grid; streams the baseline and each cell as it finishes. Resolves with the whole result
   * (also when cancelled: status 'cancelled', finished cells kept), stored in IndexedDB under `id`.
   */
  runProbe(
    jobId: string,
    request: ProbeRequest,
    onEvent: (e: ProbeEvent) => void,
    onProgress: ProgressCallback,
  ): Promise<JobResult<{ id: string; result: ProbeGridResult }>>;
  /** PCA or UMAP of a cell's test features (latest run of this session only). */
  probeProjection(
    jobId: string,
    runId: string,
    cell: { t: number; tap: string },
    method: 'pca' | 'umap',
    onProgress: ProgressCallback,
  ): Promise<JobResult<ProbeCellView>>;
  /** The first `count` test images of the latest run, to pick a query from. */
  probeTestImages(runId: string, count: number): Promise<ProbeNeighbours['query'][]>;
  /** The k train images nearest (cosine) to test image `position` in a cell's feature space. */
  probeNeighbours(
    runId: string,
    cell: { t: number; tap: string },
    position: number,
    k: number,
  ): Promise<ProbeNeighbours>;
  listProbeRuns(): Promise<ProbeRunSummary[]>;
  loadProbeRun(id: string): Promise<ProbeGridResult>;
  deleteProbeRun(id: string): Promise<void>;
  /** Stores a grid from a JSON file (the panel's export, `npm run probe --out`); refuses a damaged one. */
  importProbeRun(fileName: string, text: string): Promise<ProbeRunSummary>;

  /** Retrieval panel: embeds the gallery and queries with the shipped ReID model, all modes' distances. */
  runRetrieval(
    jobId: string,
    request: RetrievalRequest,
    onProgress: ProgressCallback,
  ): Promise<JobResult<RetrievalSummary>>;
  retrievalRanking(query: number, mode: RetrievalMode, offset: number, count: number): Promise<RankingPage>;
  retrievalPair(query: number, gallery: number): Promise<PairView>;
  retrievalExport(mode: RetrievalMode, topK: number): Promise<RankingExportRow[]>;
}
