/**
 * A training run as the CLI and the browser worker drive it: a new or resumed trainer over one data set,
 * its loss log, and checkpoints that carry everything needed to continue.
 */
import type { ImageDataset } from '../../data/dataset';
import type { CheckpointConfig } from '../../io/checkpoint';
import { createFromConfig } from '../../io/denoiser-from-checkpoint';
import { err, ok, type Result } from '../../result';
import type { Denoiser } from '../denoiser';
import { DDAE_T } from '../schedule';
import type { ParamInit } from '../unet';
import { BatchSource } from './batches';
import { updateEma } from './ema';
import type { GradientHelper } from './gradient-helper';
import { readTrainingCheckpoint, type TrainingRecord, writeTrainingCheckpoint } from './train-checkpoint';
import {
  DiffusionTrainer,
  type LrDecay,
  lrDecayProblem,
  lrProblem,
  type StepResult,
  type TrainSettings,
} from './trainer';

function stretchedDecay(decay: LrDecay, step: number, toStep: number): LrDecay {
  return { fromStep: decay.fromStep < toStep ? decay.fromStep : step, toStep };
}

/** Checkpoints keep at most this many (step, loss) points; older ones are averaged pairwise. */
const MAX_HISTORY = 2000;

export class TrainingRun {
  private constructor(
    readonly trainer: DiffusionTrainer,
    readonly source: BatchSource,
    readonly configJson: Record<string, unknown>,
    readonly dataset: ImageDataset,
    private history: [number, number][],
    private wallSecondsBefore: number,
  ) {}

  private startedAt = performance.now();

  get model(): Denoiser {
    return this.trainer.model;
  }
  get ema(): Denoiser {
    return this.trainer.ema;
  }
  get step(): number {
    return this.trainer.step;
  }
  get lossHistory(): readonly [number, number][] {
    return this.history;
  }
  get wallSeconds(): number {
    return this.wallSecondsBefore + (performance.now() - this.startedAt) / 1000;
  }

  /**
   * A fresh run of the architecture in `config`, initialised from `settings.seed` the way its official
   * training code does (`init` 'random' gives PyTorch's defaults instead: tests that want every gradient
   * non-zero from the first step).
   */
  static create(
    config: CheckpointConfig,
    dataset: ImageDataset,
    trainIndices: Int32Array,
    settings: TrainSettings,
    init: Exclude<ParamInit, 'zeros'> = 'official',
  ): Result<TrainingRun> {
    // The EMA starts as a copy of the online network.
    const online = createFromConfig(config, init, settings.seed);
    if (!online.ok) return online;
    const { model, json } = online.value;
    const problem = datasetProblem(model, dataset);
    const ema = problem ? null : createFromConfig(config);
    if (problem || !ema?.ok) {
      model.dispose();
      return err(problem ?? (ema && !ema.ok ? ema.error : 'could not build the EMA network'));
    }
    updateEma(ema.value.model.params, model.params, 0);
    return TrainingRun.assemble(model, ema.value.model, json, dataset, trainIndices, settings, 0, [], 0);
  }

  /** Continues the run saved in `bytes` on `dataset` (the same images it was trained on). */
  static resume(
    bytes: Uint8Array,
    name: string,
    dataset: ImageDataset,
    trainIndices: Int32Array,
    /**
     * A new learning-rate decay for the steps still to come (e.g. to anneal a constant-rate run), and a new
     * peak rate (e.g. a gentler restart once a cosine has ended). `decayEndsAt` instead moves the end of the
     * run's own cosine to a new last step (its start stays, unless the run is still before it and the new
     * end comes first: then the cosine starts at the current step).
     */
    changes: { decay?: LrDecay; lr?: number; decayEndsAt?: number } = {},
  ): Result<TrainingRun> {
    const state = readTrainingCheckpoint(bytes, name);
    if (!state.ok) return state;
    const { online, ema, adam, record, configJson } = state.value;
    const problem = datasetProblem(online, dataset);
    if (problem) {
      online.dispose();
      ema.dispose();
      return err(problem);
    }
    const run = TrainingRun.assemble(
      online,
      ema,
      configJson,
      dataset,
      trainIndices,
      {
        ...record.settings,
        ...(changes.decay && { decay: changes.decay }),
        ...(!changes.decay && changes.decayEndsAt !== undefined && record.settings.decay
          ? { decay: stretchedDecay(record.settings.decay, record.step, changes.decayEndsAt) }
          : {}),
        ...(changes.lr !== undefined && { lr: changes.lr }),
      },
      record.step,
      record.lossHistory,
      record.wallSeconds,
    );
    if (run.ok) run.value.trainer.adam.load(adam);
    return run;
  }

  private static assemble(
    online: Denoiser,
    ema: Denoiser,
    json: Record<string, unknown>,
    dataset: ImageDataset,
    trainIndices: Int32Array,
    settings: TrainSettings,
    step: number,
    history: [number, number][],
    wallSeconds: number,
  ): Result<TrainingRun> {
    // Checked here, so a new run and a resumed one with a new rate or decay are refused alike.
    const settingsProblem = lrProblem(settings.lr) ?? lrDecayProblem(settings.decay);
    if (settingsProblem) {
      online.dispose();
      ema.dispose();
      return err(settingsProblem);
    }
    try {
      const source = new BatchSource(dataset, trainIndices, settings.batchSize, settings.seed, {
        hflip: settings.hflip,
        T: DDAE_T,
      });
      const trainer = new DiffusionTrainer(online, ema, settings, step);
      return ok(new TrainingRun(trainer, source, json, dataset, [...history], wallSeconds));
    } catch (e) {
      online.dispose();
      ema.dispose();
      return err((e as Error).message);
    }
  }

  /** Shares each batch with helper threads (data-parallel on CPU backends; see gradient-helper.ts). */
  shareBatchesWith(helpers: readonly GradientHelper[]): void {
    this.trainer.shareBatchesWith(helpers);
  }

  async trainStep(): Promise<StepResult> {
    const r = await this.trainer.trainStep(this.source);
    this.history.push([r.step, r.loss]);
    if (this.history.length > MAX_HISTORY) this.history = thin(this.history);
    return r;
  }

  record(): TrainingRecord {
    return {
      step: this.step,
      settings: this.trainer.settings,
      dataset: { name: this.dataset.name, images: this.source.indices.length },
      lossHistory: this.history,
      wallSeconds: this.wallSeconds,
    };
  }

  checkpoint(): Promise<Uint8Array> {
    return writeTrainingCheckpoint({
      online: this.trainer.model,
      ema: this.trainer.ema,
      adamM: this.trainer.adam.m,
      adamV: this.trainer.adam.v,
      configJson: this.configJson,
      record: this.record(),
    });
  }

  dispose(): void {
    this.trainer.dispose();
    this.trainer.model.dispose();
    this.trainer.ema.dispose();
  }
}

/** Halves the log: the first half is averaged pairwise, the recent half kept at full resolution. */
function thin(h: [number, number][]): [number, number][] {
  const half = Math.floor(h.length / 2);
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < half; i += 2) out.push([h[i + 1][0], (h[i][1] + h[i + 1][1]) / 2]);
  return out.concat(h.slice(half - (half % 2)));
}

/** Why this data set cannot train this network, or null. */
export function datasetProblem(model: Denoiser, d: ImageDataset): string | null {
  const [c, h, w] = model.imageShape;
  if (d.pixels.length === 0 || d.labels.length === 0) return `The data set "${d.name}" is empty.`;
  if (d.channels !== c || d.height !== h || d.width !== w) {
    return `The data set "${d.name}" has ${d.width}x${d.height} images with ${d.channels} channel(s); the network expects ${w}x${h} with ${c}. Choose a matching data set or another architecture.`;
  }
  return null;
}
