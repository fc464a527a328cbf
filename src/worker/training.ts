/**
 * The Training panel's run controller: one `TrainingRun` (the same core the CLI drives) trained in short
 * slices inside the worker, so pause, stop, saves and every other worker call are served between steps.
 * It streams progress, EMA previews and checkpoint notices, saves checkpoints (automatically, on demand and
 * at the end) to a checkpoint store, and never drops a stored checkpoint before a newer one is safely kept.
 *
 * Storage and data sets come in as dependencies, so the same controller runs in Node tests (an in-memory
 * store, synthetic images, the cpu backend) and in the browser worker (IndexedDB, the loaded data sets).
 */
import type { ImageDataset } from '../core/data/dataset';
import { sample } from '../core/diffusion/samplers';
import { presetConfig } from '../core/diffusion/train/presets';
import { EMA_PREFIX, readTrainingCheckpoint } from '../core/diffusion/train/train-checkpoint';
import {
  DEFAULT_TRAIN_SETTINGS,
  lrProblem,
  NonFiniteLossError,
  type StepResult,
  type TrainSettings,
} from '../core/diffusion/train/trainer';
import { TrainingRun } from '../core/diffusion/train/training-run';
import { memoryStats } from '../core/gpu/backend';
import { parseSafetensors, writeSafetensors } from '../core/io/safetensors';
import { yieldToEventLoop } from '../core/job';
import type {
  ResumeRequest,
  TrainingCheckpointInfo,
  TrainingEvent,
  TrainingProgress,
  TrainingRunInfo,
  TrainingSchedule,
  TrainingState,
  TrainPreset,
  TrainRequest,
} from './api';
import type { BlobStore } from './blob-store';
import { toPixels } from './sampling';

export type CheckpointStore = BlobStore<TrainingCheckpointInfo, Uint8Array>;

export interface TrainingData {
  dataset: ImageDataset;
  /** The images to train on (the train split when the set has one). */
  trainIndices: Int32Array;
}

export interface TrainingDeps {
  store: CheckpointStore;
  /** The data set by id, loaded (throws with a message when it cannot be). */
  resolveData: (datasetId: string) => Promise<TrainingData>;
}

/** Smoothing of the reported loss (bias-corrected, so the first points are not pulled towards 0). */
export const LOSS_SMOOTHING = 0.95;
/** Automatic checkpoints kept per run; manual, final and uploaded ones stay until deleted. */
export const KEEP_AUTO_CHECKPOINTS = 3;
/** The preview grid always starts from the same noise, so successive grids show the model improving. */
const PREVIEW_SEED = 20_240_601;
/** Progress reports at most this often (points between reports are batched). */
const REPORT_EVERY_MS = 100;
/** Window of recent steps for steps/s and the ETA. */
const RATE_WINDOW = 20;

const LIMITS = {
  batchSize: [1, 512],
  steps: [1, 10_000_000],
  previewEvery: [0, 10_000_000],
  previewCount: [1, 64],
  previewSteps: [1, 1000],
  saveEvery: [0, 10_000_000],
} as const;

function checkInt(name: keyof typeof LIMITS, v: number): void {
  const [lo, hi] = LIMITS[name];
  if (!Number.isInteger(v) || v < lo || v > hi) {
    throw new Error(`${name} must be a whole number from ${lo} to ${hi}; got ${v}.`);
  }
}

function checkSchedule(s: TrainingSchedule): void {
  for (const key of ['steps', 'previewEvery', 'previewCount', 'previewSteps', 'saveEvery'] as const) {
    checkInt(key, s[key]);
  }
}

const slug = (s: string) =>
  s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, 40) || 'data';

const ARCH_LABEL = { unet: 'UNet', dit: 'DiT' } as const;

/** Names the quota case the way a user understands it; any other storage error keeps its own message. */
export function describeSaveError(e: unknown): string {
  const name = (e as { name?: string } | null)?.name;
  const text = e instanceof Error ? e.message : String(e);
  if (name === 'QuotaExceededError' || /quota/i.test(text)) {
    return "the browser's storage quota for this site is full (delete old checkpoints or data sets)";
  }
  return text;
}

/** The EMA weights of a training checkpoint as a plain model file (official prefix, config kept). */
export function emaOnlyCheckpoint(bytes: Uint8Array, name: string): Uint8Array {
  const parsed = parseSafetensors(bytes);
  if (!parsed.ok) throw new Error(`${name} is not a readable safetensors file: ${parsed.error}`);
  const ema = [...parsed.value.tensors].filter(([k]) => k.startsWith(EMA_PREFIX));
  if (ema.length === 0) throw new Error(`${name} holds no EMA weights (${EMA_PREFIX}*).`);
  const { training, ...metadata } = parsed.value.metadata;
  if (training) metadata.trained = training;
  return writeSafetensors(
    ema.map(([k, t]) => ({ name: k, shape: t.shape, data: t.data })),
    metadata,
  );
}

export class TrainingController {
  private run: TrainingRun | null = null;
  private info: TrainingRunInfo | null = null;
  private state: TrainingState | 'idle' = 'idle';
  private emit: (e: TrainingEvent) => void = () => {};
  private loop: Promise<void> = Promise.resolve();
  /** Serialises everything that touches the networks: steps, previews, saves. */
  private lock: Promise<unknown> = Promise.resolve();
  /** Short calls served between steps (IndexedDB reads and writes) that the next step waits for. */
  private readonly beside = new Set<Promise<unknown>>();
  private smooth = { value: 0, weight: 0 };
  private pending: [number, number, number][] = [];
  private stepMs: number[] = [];
  private stepEnds: number[] = [];
  private lastReport = 0;
  private last: (StepResult & { smoothLoss: number }) | null = null;
  private lastSaved: TrainingCheckpointInfo | null = null;
  private lastSavedStep = 0;
  private lastPreviewStep = -1;

  constructor(private readonly deps: TrainingDeps) {}

  /**
   * Runs a short call between training steps and holds the next step until it is done. A step is one long
   * synchronous stretch on wasm/cpu, so without this an IndexedDB request, which needs several event-loop
   * turns, would advance by one turn per step and take many steps to finish.
   */
  serveBeside<T>(body: () => Promise<T>): Promise<T> {
    const p = body();
    this.beside.add(p);
    const done = () => this.beside.delete(p);
    p.then(done, done);
    return p;
  }

  /** What runs now (for tests and the worker). */
  get status(): { state: TrainingState | 'idle'; step: number | null; info: TrainingRunInfo | null } {
    return { state: this.state, step: this.run?.step ?? null, info: this.info };
  }

  async start(request: TrainRequest, emit: (e: TrainingEvent) => void): Promise<TrainingRunInfo> {
    this.ensureIdle();
    checkSchedule(request);
    checkInt('batchSize', request.batchSize);
    // Before the data set is fetched: a bad rate is refused at once.
    const badRate = lrProblem(request.lr);
    if (badRate) throw new Error(badRate);
    const { dataset, trainIndices } = await this.deps.resolveData(request.datasetId);
    if (dataset.labels.length === 0 || dataset.pixels.length === 0 || trainIndices.length === 0) {
      throw new Error(`The data set "${dataset.name}" is empty: there is nothing to train on.`);
    }
    // A short run would never leave the warm-up: keep it to a tenth of the run.
    const warmupSteps = Math.min(DEFAULT_TRAIN_SETTINGS.warmupSteps, Math.floor(request.steps / 10));
    const settings: TrainSettings = {
      ...DEFAULT_TRAIN_SETTINGS,
      batchSize: request.batchSize,
      lr: request.lr,
      warmupSteps,
      seed: request.seed ?? 0,
      ...(request.lrSchedule === 'cosine' ? { decay: { fromStep: warmupSteps, toStep: request.steps } } : {}),
    };
    const { channels: c, height: h, width: w } = dataset;
    let created: ReturnType<typeof TrainingRun.create>;
    try {
      created = TrainingRun.create(
        presetConfig(request.arch, request.preset, [c, h, w], { dropout: request.dropout ?? 0 }),
        dataset,
        trainIndices,
        settings,
      );
    } catch (e) {
      throw new Error(
        `The ${ARCH_LABEL[request.arch]} ${request.preset} preset cannot be built for ${w}x${h} images with ${c} channel(s): ${(e as Error).message}`,
      );
    }
    if (!created.ok) throw new Error(created.error);
    return this.begin(created.value, {
      runId: `run-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      preset: request.preset,
      datasetId: request.datasetId,
      schedule: pickSchedule(request),
      emit,
    });
  }

  async resumeFrom(request: ResumeRequest, emit: (e: TrainingEvent) => void): Promise<TrainingRunInfo> {
    this.ensureIdle();
    const stored = await this.deps.store.load(request.checkpointId);
    if (!stored) throw new Error('This checkpoint is no longer stored in the browser.');
    const { meta, payload } = stored;
    const datasetId = request.datasetId ?? meta.datasetId;
    if (!datasetId) throw new Error('Choose the data set to continue training on.');
    const schedule: TrainingSchedule = {
      steps: request.steps ?? meta.targetSteps ?? meta.step,
      previewEvery: request.previewEvery ?? 50,
      previewCount: request.previewCount ?? 16,
      previewSteps: request.previewSteps ?? 10,
      saveEvery: request.saveEvery ?? 100,
    };
    checkSchedule(schedule);
    if (schedule.steps <= meta.step) {
      throw new Error(
        `This checkpoint is already at step ${meta.step}: set steps above ${meta.step} to train further.`,
      );
    }
    const { dataset, trainIndices } = await this.deps.resolveData(datasetId);
    // A cosine schedule ends at the run's last step: a new step target stretches it to the new end. A new
    // peak rate applies from here on (the way out of a diverged run); both are saved with the run.
    const resumed = TrainingRun.resume(payload, meta.name, dataset, trainIndices, {
      lr: request.lr,
      decayEndsAt: schedule.steps,
    });
    if (!resumed.ok) throw new Error(resumed.error);
    const run = resumed.value;
    return this.begin(run, {
      runId: meta.kind === 'upload' ? `run-${Date.now().toString(36)}` : meta.runId,
      preset: meta.preset,
      datasetId,
      schedule,
      emit,
      savedAs: meta,
    });
  }

  /** Resolves once the step in flight is done and the run is paused. */
  async pause(): Promise<void> {
    if (this.state !== 'running') return;
    this.state = 'paused';
    await this.loop;
    if (this.state !== 'paused') return; // the run ended in that last step (target reached, NaN)
    this.report(true);
    this.emitState('paused', null);
  }

  async continue(): Promise<void> {
    if (this.state !== 'paused' || !this.run) throw new Error('No paused run to continue.');
    this.stepEnds = [];
    this.setState('running', null);
    this.loop = this.trainLoop(this.run);
  }

  async stop(): Promise<void> {
    if (this.state !== 'running' && this.state !== 'paused') return;
    const wasRunning = this.state === 'running';
    this.setState('stopping', null);
    if (wasRunning) await this.loop;
    const run = this.run;
    if (run) await this.end(run.step >= (this.info?.schedule.steps ?? 0) ? 'finished' : 'stopped');
  }

  /** Saves now (between steps); null when the store refused it (the UI got the bytes in 'save-failed'). */
  async saveNow(): Promise<TrainingCheckpointInfo | null> {
    const run = this.run;
    if (!run) throw new Error('No training run to save: start or resume one first.');
    return this.exclusive(() => this.save(run, 'manual'));
  }

  list(): Promise<TrainingCheckpointInfo[]> {
    return this.serveBeside(() => this.deps.store.list());
  }

  async download(id: string): Promise<{ fileName: string; bytes: Uint8Array }> {
    const stored = await this.serveBeside(() => this.deps.store.load(id));
    if (!stored) throw new Error('This checkpoint is no longer stored in the browser.');
    return { fileName: `${stored.meta.name}.safetensors`, bytes: stored.payload };
  }

  async remove(id: string): Promise<void> {
    await this.serveBeside(() => this.deps.store.remove(id));
    if (this.lastSaved?.id === id) this.lastSaved = null;
  }

  /** Checks an uploaded training checkpoint completely (weights, optimizer state, record), then stores it. */
  async upload(fileName: string, bytes: Uint8Array): Promise<TrainingCheckpointInfo> {
    const stem = (fileName.split('/').pop() ?? fileName).replace(/\.safetensors$/i, '');
    if (!/\.safetensors$/i.test(fileName)) {
      throw new Error(`${fileName}: choose a .safetensors training checkpoint.`);
    }
    const state = readTrainingCheckpoint(bytes, fileName);
    if (!state.ok) throw new Error(state.error);
    const { online, ema, record } = state.value;
    const arch = online.arch;
    online.dispose();
    ema.dispose();
    const last = record.lossHistory.at(-1);
    const meta: TrainingCheckpointInfo = {
      id: `ckpt-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      runId: `upload-${Date.now().toString(36)}`,
      name: stem,
      arch,
      preset: null,
      step: record.step,
      targetSteps: null,
      loss: last ? last[1] : null,
      createdAt: Date.now(),
      datasetId: null,
      datasetName: record.dataset?.name ?? 'unknown',
      kind: 'upload',
      bytes: bytes.length,
      batchSize: record.settings.batchSize,
      lr: record.settings.lr,
    };
    try {
      await this.serveBeside(() => this.deps.store.save(meta, bytes));
    } catch (e) {
      throw new Error(`The checkpoint could not be stored: ${describeSaveError(e)}.`);
    }
    return meta;
  }

  async emaModelFile(id: string): Promise<{ fileName: string; bytes: Uint8Array }> {
    const stored = await this.serveBeside(() => this.deps.store.load(id));
    if (!stored) throw new Error('This checkpoint is no longer stored in the browser.');
    const { meta } = stored;
    const label = `${ARCH_LABEL[meta.arch]}${meta.preset ? ` ${meta.preset}` : ''} · ${meta.datasetName} · step ${meta.step}`;
    return { fileName: `${label}.safetensors`, bytes: emaOnlyCheckpoint(stored.payload, meta.name) };
  }

  /** The newest checkpoint, when its run stopped short of its target and is not the one running now. */
  async unfinished(): Promise<TrainingCheckpointInfo | null> {
    const all = await this.serveBeside(() => this.deps.store.list());
    const newest = all.reduce<TrainingCheckpointInfo | null>(
      (a, b) => (!a || b.createdAt >= a.createdAt ? b : a),
      null,
    );
    if (!newest || newest.kind === 'upload' || newest.targetSteps === null) return null;
    if (newest.step >= newest.targetSteps) return null;
    if (this.run && this.info?.runId === newest.runId) return null;
    return newest;
  }

  // --- the run ---------------------------------------------------------------------------------------

  private ensureIdle(): void {
    if (this.state === 'running' || this.state === 'paused' || this.state === 'stopping') {
      throw new Error('A training run is already active: stop it before starting another.');
    }
  }

  private begin(
    run: TrainingRun,
    o: {
      runId: string;
      preset: TrainPreset | null;
      datasetId: string;
      schedule: TrainingSchedule;
      emit: (e: TrainingEvent) => void;
      savedAs?: TrainingCheckpointInfo;
    },
  ): TrainingRunInfo {
    const [c, h, w] = run.model.imageShape;
    const settings = run.trainer.settings;
    const info: TrainingRunInfo = {
      runId: o.runId,
      name: `${ARCH_LABEL[run.model.arch]}${o.preset ? ` ${o.preset}` : ''} · ${run.dataset.name}`,
      arch: run.model.arch,
      preset: o.preset,
      datasetId: o.datasetId,
      datasetName: run.dataset.name,
      trainImages: run.source.indices.length,
      imageShape: [c, h, w],
      paramCount: run.model.specs.reduce((n, s) => n + s.torchShape.reduce((a, b) => a * b, 1), 0),
      batchSize: settings.batchSize,
      lr: settings.lr,
      warmupSteps: settings.warmupSteps,
      lrDecay: settings.decay ?? null,
      startStep: run.step,
      schedule: o.schedule,
    };
    this.run = run;
    this.info = info;
    this.emit = o.emit;
    this.smooth = { value: 0, weight: 0 };
    this.pending = [];
    this.stepMs = [];
    this.stepEnds = [];
    this.last = null;
    this.lastSaved = o.savedAs ?? null;
    this.lastSavedStep = run.step;
    this.lastPreviewStep = -1;
    const history = run.lossHistory.map(([step, loss]): [number, number, number] => [
      step,
      loss,
      this.smoothed(loss),
    ]);
    this.emit({ type: 'started', run: info, history });
    this.setState('running', null);
    this.loop = this.trainLoop(run);
    return info;
  }

  private async trainLoop(run: TrainingRun): Promise<void> {
    const target = this.info!.schedule.steps;
    try {
      while (this.state === 'running' && run.step < target) {
        await this.exclusive(() => this.step(run));
        // A macrotask between steps, so pause/stop and every other worker call get served.
        await yieldToEventLoop();
        while (this.beside.size > 0) await Promise.allSettled([...this.beside]);
      }
      if (this.state === 'running') await this.end('finished');
    } catch (e) {
      await this.fail(run, e);
    }
  }

  private async step(run: TrainingRun): Promise<void> {
    const { schedule } = this.info!;
    const t0 = performance.now();
    const r = await run.trainStep();
    const end = performance.now();
    this.stepMs.push(end - t0);
    this.stepEnds.push(end);
    if (this.stepMs.length > RATE_WINDOW) this.stepMs.shift();
    if (this.stepEnds.length > RATE_WINDOW) this.stepEnds.shift();
    const smoothLoss = this.smoothed(r.loss);
    this.last = { ...r, smoothLoss };
    this.pending.push([r.step, r.loss, smoothLoss]);
    const final = r.step >= schedule.steps;
    const previewDue =
      schedule.previewEvery > 0 &&
      (r.step % schedule.previewEvery === 0 || (final && r.step !== this.lastPreviewStep));
    const saveDue = schedule.saveEvery > 0 && r.step % schedule.saveEvery === 0 && !final;
    this.report(previewDue || saveDue || final);
    if (previewDue) await this.preview(run);
    if (saveDue) await this.save(run, 'auto');
  }

  private smoothed(loss: number): number {
    const s = this.smooth;
    s.value = LOSS_SMOOTHING * s.value + (1 - LOSS_SMOOTHING) * loss;
    s.weight = LOSS_SMOOTHING * s.weight + (1 - LOSS_SMOOTHING);
    return s.value / s.weight;
  }

  private report(force: boolean): void {
    const now = performance.now();
    if (!this.last || !this.info || (!force && now - this.lastReport < REPORT_EVERY_MS)) return;
    this.lastReport = now;
    const trainMs = this.stepMs.reduce((a, b) => a + b, 0);
    const stepsPerSecond = trainMs > 0 ? (1000 * this.stepMs.length) / trainMs : 0;
    const ends = this.stepEnds;
    const wallRate =
      ends.length >= 2 ? (1000 * (ends.length - 1)) / (ends[ends.length - 1] - ends[0]) : stepsPerSecond;
    const remaining = this.info.schedule.steps - this.last.step;
    const progress: TrainingProgress = {
      step: this.last.step,
      targetSteps: this.info.schedule.steps,
      loss: this.last.loss,
      smoothLoss: this.last.smoothLoss,
      lr: this.last.lr,
      gradNorm: this.last.gradNorm,
      stepsPerSecond,
      etaSeconds: wallRate > 0 ? remaining / wallRate : null,
      wallSeconds: this.run?.wallSeconds ?? 0,
      memory: memoryStats(),
      points: this.pending,
    };
    this.pending = [];
    this.emit({ type: 'progress', progress });
  }

  private async preview(run: TrainingRun): Promise<void> {
    const { previewCount, previewSteps } = this.info!.schedule;
    const t0 = performance.now();
    const x = await sample({
      model: run.ema,
      sampler: { kind: 'ddim', steps: previewSteps, eta: 0 },
      batch: previewCount,
      seed: PREVIEW_SEED,
    });
    let data: Float32Array;
    try {
      data = (await x.data()) as Float32Array;
    } finally {
      x.dispose();
    }
    const [channels, height, width] = run.model.imageShape;
    this.lastPreviewStep = run.step;
    this.emit({
      type: 'preview',
      preview: {
        step: run.step,
        count: previewCount,
        height,
        width,
        channels,
        pixels: toPixels(data),
        ms: performance.now() - t0,
      },
    });
  }

  /** Writes a checkpoint; prunes old automatic ones only after the new one is stored. */
  private async save(
    run: TrainingRun,
    kind: TrainingCheckpointInfo['kind'],
  ): Promise<TrainingCheckpointInfo | null> {
    const info = this.info!;
    const bytes = await run.checkpoint();
    const meta: TrainingCheckpointInfo = {
      id: `ckpt-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`,
      runId: info.runId,
      name: `${info.arch}${info.preset ? `-${info.preset}` : ''}-${info.datasetId === 'mnist' ? 'mnist' : slug(info.datasetName)}-step${run.step}`,
      arch: info.arch,
      preset: info.preset,
      step: run.step,
      targetSteps: info.schedule.steps,
      loss: this.last?.smoothLoss ?? this.lastSaved?.loss ?? null,
      createdAt: Date.now(),
      datasetId: info.datasetId,
      datasetName: info.datasetName,
      kind,
      bytes: bytes.length,
      batchSize: info.batchSize,
      lr: run.trainer.settings.lr,
    };
    try {
      await this.deps.store.save(meta, bytes);
    } catch (e) {
      this.emit({
        type: 'save-failed',
        step: run.step,
        message: `The checkpoint at step ${run.step} could not be saved in this browser: ${describeSaveError(e)}. Download it instead${this.lastSaved ? `; the checkpoint of step ${this.lastSaved.step} is kept` : ''}.`,
        fileName: `${meta.name}.safetensors`,
        bytes,
      });
      return null;
    }
    this.lastSaved = meta;
    this.lastSavedStep = run.step;
    await this.pruneAuto(info.runId, kind === 'auto' ? null : run.step);
    // After pruning, so a list read on this event is already the final one.
    this.emit({ type: 'checkpoint', checkpoint: meta });
    return meta;
  }

  /**
   * Keeps the newest automatic checkpoints of a run; `sameStep`: a manual or final save at that step
   * replaces an automatic one of the same step (same weights), so the list shows each state once.
   */
  private async pruneAuto(runId: string, sameStep: number | null): Promise<void> {
    try {
      const autos = (await this.deps.store.list())
        .filter((m) => m.runId === runId && m.kind === 'auto')
        .sort((a, b) => b.step - a.step || b.createdAt - a.createdAt);
      const drop =
        sameStep === null ? autos.slice(KEEP_AUTO_CHECKPOINTS) : autos.filter((m) => m.step === sameStep);
      for (const old of drop) await this.deps.store.remove(old.id);
    } catch {
      // Pruning is housekeeping: a failure keeps more checkpoints, never fewer.
    }
  }

  /** Final save (if any step is unsaved), then the networks are freed. */
  private async end(state: 'finished' | 'stopped'): Promise<void> {
    const run = this.run;
    if (!run) return;
    // A refused final save has already said so ('save-failed', with the bytes to download).
    if (run.step > this.lastSavedStep) await this.exclusive(() => this.save(run, 'final'));
    this.report(true);
    this.disposeRun();
    this.setState(state, null);
  }

  private async fail(run: TrainingRun, e: unknown): Promise<void> {
    let message: string;
    if (e instanceof NonFiniteLossError) {
      const kept = this.lastSaved
        ? `The last good checkpoint (step ${this.lastSaved.step}) is kept: resume it with a lower learning rate.`
        : 'No checkpoint had been saved before it diverged: start again with a lower learning rate.';
      message = `Training diverged at step ${e.step} (the loss is ${e.loss}) and was stopped; that update was not applied. ${kept}`;
    } else {
      message = `Training stopped: ${(e as Error).message ?? String(e)}`;
      // The weights are not known to be bad: try to keep the unsaved steps.
      if (run.step > this.lastSavedStep) {
        const saved = await this.exclusive(() => this.save(run, 'final')).catch(() => null);
        if (saved) message += ` The run was saved at step ${saved.step}.`;
      }
    }
    this.report(true);
    this.disposeRun();
    this.setState('failed', message);
  }

  private disposeRun(): void {
    this.run?.dispose();
    this.run = null;
  }

  private setState(state: TrainingState, message: string | null): void {
    this.state = state;
    this.emitState(state, message);
  }

  private emitState(state: TrainingState, message: string | null): void {
    this.emit({ type: 'state', state, message });
  }

  private exclusive<T>(body: () => Promise<T>): Promise<T> {
    const result = this.lock.then(body);
    this.lock = result.catch(() => {});
    return result;
  }
}

function pickSchedule(r: TrainingSchedule): TrainingSchedule {
  const { steps, previewEvery, previewCount, previewSteps, saveEvery } = r;
  return { steps, previewEvery, previewCount, previewSteps, saveEvery };
}

/** A checkpoint store in memory: for tests, and for browsers without IndexedDB. */
export function memoryCheckpointStore(): CheckpointStore {
  const items = new Map<string, { meta: TrainingCheckpointInfo; payload: Uint8Array }>();
  return {
    async save(meta, payload) {
      items.set(meta.id, { meta, payload });
    },
    async list() {
      return [...items.values()].map((i) => i.meta).sort((a, b) => a.createdAt - b.createdAt);
    },
    async load(id) {
      return items.get(id) ?? null;
    },
    async remove(id) {
      items.delete(id);
    },
  };
}
