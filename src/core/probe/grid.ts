/**
 * The DDAE grid: one independent probe per (timestep, tap). For each timestep the train and test images
 * go through the network once, in batches, giving every tap's pooled features (host memory); then each
 * tap's probe trains on them, and that timestep's features are dropped (or handed to `onFeatures`).
 * Cells stream out as they finish. A cell whose features hold NaN or Inf, or whose probe diverges, is
 * marked failed and the grid goes on; a cancelled run returns what it finished, marked.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../diffusion/denoiser';
import { JobCancelledError } from '../job';
import {
  allFinite,
  allTapNames,
  extractFeatures,
  pixelFeatures,
  type TapFeatures,
  tapNames,
} from './features';
import { checkProbeInput, type ProbeData } from './input';
import { knnProbe } from './knn';
import { type LabelledFeatures, trainLinearProbe } from './linear-probe';
import { pendingCell } from './pending-cell';
import type { BaselineResult, ProbeCell, ProbeGridResult, ProbeGridSettings } from './types';

export type FeatureExtractor = typeof extractFeatures;

export interface GridProgress {
  done: number;
  total: number;
  label: string;
}

export interface GridCallbacks {
  signal?: AbortSignal;
  onProgress?: (p: GridProgress) => void;
  onCell?: (cell: ProbeCell, index: number) => void;
  onBaseline?: (baseline: BaselineResult) => void;
  /** Each (t, tap)'s features with the chosen images' dataset indices, e.g. to keep for the cell views. */
  onFeatures?: (t: number, tap: string, train: TapFeatures, test: TapFeatures) => void;
  /**
   * What extracts the features (default: `extractFeatures` on this thread); the Node CLI passes one that
   * shares the images between worker threads.
   */
  extract?: FeatureExtractor;
  /** Once the input is checked: the chosen images and any notes (unlabelled images skipped, ...). */
  onStart?: (info: {
    train: Int32Array;
    test: Int32Array;
    taps: string[];
    classNames: string[];
    notes: string[];
  }) => void;
}

export class ProbeInputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ProbeInputError';
  }
}

const isCancel = (e: unknown) => e instanceof JobCancelledError;
const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const labelled = (f: TapFeatures, labels: Int32Array): LabelledFeatures => ({ ...f, labels });

export async function runProbeGrid(
  model: Denoiser,
  modelName: string,
  data: ProbeData,
  settings: ProbeGridSettings,
  callbacks: GridCallbacks = {},
): Promise<ProbeGridResult> {
  const started = performance.now();
  const checked = checkProbeInput(
    { imageShape: model.imageShape, taps: allTapNames(model), defaultTaps: tapNames(model) },
    data,
    settings,
  );
  if (!checked.ok) throw new ProbeInputError(checked.error);
  const { train, test, numClasses, classNames, timesteps, taps, notes } = checked.value;
  callbacks.onStart?.({ train, test, taps, classNames, notes });
  const { dataset } = data;
  const trainLabels = Int32Array.from(train, (i) => dataset.labels[i]);
  const testLabels = Int32Array.from(test, (i) => dataset.labels[i]);
  const { signal } = callbacks;

  const cells: ProbeCell[] = timesteps.flatMap((t) => taps.map((tap) => pendingCell(t, tap)));
  const B = Math.max(1, settings.featureBatch);
  const batchesPerT = Math.ceil(train.length / B) + Math.ceil(test.length / B);
  const total = timesteps.length * (batchesPerT + taps.length) + (settings.rawBaseline ? 1 : 0);
  let done = 0;
  const progress = (label: string) => callbacks.onProgress?.({ done, total, label });

  const result: ProbeGridResult = {
    model: { name: modelName, arch: model.arch, imageShape: [...model.imageShape] },
    dataset: { name: dataset.name, classNames, trainCount: train.length, testCount: test.length },
    settings,
    taps,
    timesteps,
    cells,
    baseline: null,
    status: 'complete',
    featureImages: 0,
    featureMs: 0,
    probeMs: 0,
    totalMs: 0,
    backend: tf.getBackend(),
    createdAt: Date.now(),
  };

  const probe = async (trainF: LabelledFeatures, testF: LabelledFeatures) => {
    const linear = await trainLinearProbe(trainF, testF, numClasses, settings.probe, { signal });
    const knn = settings.knn ? await knnProbe(trainF, testF, numClasses, settings.knnK, { signal }) : null;
    return { linear, knn };
  };

  try {
    if (settings.rawBaseline) {
      progress('Raw-pixel baseline');
      const t0 = performance.now();
      const trainF = labelled(pixelFeatures(dataset, train), trainLabels);
      const testF = labelled(pixelFeatures(dataset, test), testLabels);
      const { linear, knn } = await probe(trainF, testF);
      result.probeMs += performance.now() - t0;
      result.baseline = {
        dim: trainF.dim,
        accuracy: linear.testAccuracy,
        trainAccuracy: linear.trainAccuracy,
        knnAccuracy: knn?.accuracy ?? null,
        curve: linear.curve,
        confusion: linear.confusion,
      };
      callbacks.onBaseline?.(result.baseline);
      done += 1;
    }

    for (const [ti, t] of timesteps.entries()) {
      const row = (ki: number) => ti * taps.length + ki;
      let trainFeatures: Map<string, TapFeatures>;
      let testFeatures: Map<string, TapFeatures>;
      const t0 = performance.now();
      try {
        const extract = async (indices: Int32Array, split: string) => {
          const before = done;
          const features = await (callbacks.extract ?? extractFeatures)(
            model,
            dataset,
            indices,
            { t, taps, batchSize: B, seed: settings.seed },
            {
              signal,
              onProgress: (n, of) => {
                done = before + Math.ceil(n / B);
                progress(`t = ${t}: ${split} features ${n}/${of}`);
              },
            },
          );
          result.featureImages += indices.length;
          return features;
        };
        trainFeatures = await extract(train, 'train');
        testFeatures = await extract(test, 'test');
      } catch (e) {
        if (isCancel(e)) throw e;
        for (const ki of taps.keys()) {
          cells[row(ki)] = {
            ...cells[row(ki)],
            status: 'failed',
            error: `feature extraction: ${message(e)}`,
          };
          callbacks.onCell?.(cells[row(ki)], row(ki));
        }
        done += taps.length;
        continue;
      } finally {
        result.featureMs += performance.now() - t0;
      }

      for (const [ki, tap] of taps.entries()) {
        const trainF = trainFeatures.get(tap);
        const testF = testFeatures.get(tap);
        const cell = cells[row(ki)];
        progress(`t = ${t}, ${tap}: probe`);
        if (!trainF || !testF) {
          cells[row(ki)] = { ...cell, status: 'failed', error: `the model returned no ${tap} features` };
        } else if (!allFinite(trainF.data) || !allFinite(testF.data)) {
          cells[row(ki)] = {
            ...cell,
            dim: trainF.dim,
            status: 'failed',
            error: `the ${tap} features at t = ${t} contain NaN or infinite values`,
          };
        } else {
          callbacks.onFeatures?.(t, tap, trainF, testF);
          const p0 = performance.now();
          try {
            const { linear, knn } = await probe(labelled(trainF, trainLabels), labelled(testF, testLabels));
            cells[row(ki)] = {
              ...cell,
              dim: trainF.dim,
              status: 'done',
              accuracy: linear.testAccuracy,
              trainAccuracy: linear.trainAccuracy,
              knnAccuracy: knn?.accuracy ?? null,
              curve: linear.curve,
              confusion: linear.confusion,
              ms: performance.now() - p0,
            };
          } catch (e) {
            if (isCancel(e)) throw e;
            cells[row(ki)] = { ...cell, dim: trainF.dim, status: 'failed', error: message(e) };
          } finally {
            result.probeMs += performance.now() - p0;
          }
        }
        done += 1;
        callbacks.onCell?.(cells[row(ki)], row(ki));
        progress(`t = ${t}, ${tap}: done`);
      }
    }
  } catch (e) {
    if (!isCancel(e)) throw e;
    result.status = 'cancelled';
    cells.forEach((c, i) => {
      if (c.status === 'pending') cells[i] = { ...c, status: 'cancelled' };
    });
  }
  result.totalMs = performance.now() - started;
  return result;
}
