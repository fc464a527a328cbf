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
}
