/**
 * AlignedReID training: batches of P identities x K images, batch-hard triplet losses mined with the global
 * distance and applied to the global and the aligned local distances (margin 0.3 each), plus identity
 * cross-entropy on the softmax head; Adam (PyTorch semantics) with huanghoujing's exponential decay.
 *
 * Batch s is a pure function of (seed, s), so a run resumed from a checkpoint sees the same batches as an
 * uninterrupted one, and the checkpoint needs no sampler state.
 */
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../diffusion/train/adam';
import type { TensorToWrite } from '../io/safetensors';
import { type BatchStats, preprocess, type ReidModel } from './model';
import { assignReidTensors, checkReidTensors, loadReidModel, serializeReidModel } from './model-io';
import { hashSeed, Rng } from './random';
import { alignedTripletLosses, crossEntropy } from './triplet-loss';

export interface TrainConfig {
  /** P: identities per batch. */
  idsPerBatch: number;
  /** K: images per identity (drawn with replacement when an identity has fewer). */
  imagesPerId: number;
  steps: number;
  baseLr: number;
  /** Fraction of the steps after which the learning rate decays exponentially to `finalLrFactor`. */
  decayStart: number;
  finalLrFactor: number;
  weightDecay: number;
  globalMargin: number;
  localMargin: number;
  globalWeight: number;
  localWeight: number;
  idWeight: number;
  /** Probability of a horizontal mirror per training image (both reproductions use 0.5). */
  flipProbability: number;
  seed: number;
}

export const DEFAULT_TRAIN_CONFIG: TrainConfig = {
  idsPerBatch: 16,
  imagesPerId: 4,
  steps: 1500,
  baseLr: 1e-3,
  decayStart: 0.5,
  finalLrFactor: 0.01,
  weightDecay: 5e-4,
  globalMargin: 0.3,
  localMargin: 0.3,
  globalWeight: 1,
  localWeight: 1,
  idWeight: 1,
  flipProbability: 0.5,
  seed: 0,
};

/** The training images: NHWC uint8 RGB, with a class label (0 .. numClasses-1) per image. */
export interface TrainData {
  images: Uint8Array;
  labels: Int32Array;
  height: number;
  width: number;
}

/** huanghoujing's `adjust_lr_exp`: constant, then lr * factor^((s - start) / (steps - start)). */
export function learningRate(cfg: TrainConfig, step: number): number {
  const start = Math.floor(cfg.decayStart * cfg.steps);
  if (step < start) return cfg.baseLr;
  return cfg.baseLr * cfg.finalLrFactor ** ((step - start) / Math.max(1, cfg.steps - start));
}

/** Image indices of batch `step`: P distinct classes, K images each, grouped by class. */
export function sampleBatch(byClass: readonly number[][], cfg: TrainConfig, step: number): number[] {
  const rng = new Rng(hashSeed(cfg.seed, 0xba7c4, step));
  const classes = rng.shuffle(Array.from({ length: byClass.length }, (_, i) => i)).slice(0, cfg.idsPerBatch);
  const out: number[] = [];
  for (const c of classes) {
    const pool = byClass[c];
    if (pool.length >= cfg.imagesPerId) out.push(...rng.shuffle([...pool]).slice(0, cfg.imagesPerId));
    else for (let k = 0; k < cfg.imagesPerId; k++) out.push(rng.pick(pool));
  }
  return out;
}

export interface StepStats {
  step: number;
  lr: number;
  loss: number;
  globalLoss: number;
  localLoss: number;
  idLoss: number;
  /** Mean distances of the mined pairs: the loss is zero once ap + margin < an for every anchor. */
  globalAp: number;
  globalAn: number;
  localAp: number;
  localAn: number;
  /** Share of the batch the softmax head classifies right. */
  idAccuracy: number;
}

export interface TrainState {
  step: number;
  elapsedSeconds: number;
  config: TrainConfig;
  history: StepStats[];
}

export const TRAIN_STATE_KEY = 'reid_train_state';
/** Where a training checkpoint keeps Adam's moments (tfjs layouts, by parameter name). */
export const ADAM_PREFIXES = ['adam.m.', 'adam.v.'] as const;

export class ReidTrainer {
  readonly adam: Adam;
  step = 0;
  elapsedSeconds = 0;
  history: StepStats[] = [];
  private readonly byClass: number[][];
  private readonly trainable: Map<string, tf.Variable>;
  private readonly paramByVariable: Map<string, string>;

  constructor(
    readonly model: ReidModel,
    readonly data: TrainData,
    readonly config: TrainConfig,
  ) {
    const numClasses = Math.max(...data.labels) + 1;
    if (model.config.numClasses > 0 && model.config.numClasses < numClasses) {
      throw new Error(
        `ReidTrainer: the model has ${model.config.numClasses} classes, the data ${numClasses}`,
      );
    }
    if (numClasses < config.idsPerBatch) {
      throw new Error(`ReidTrainer: ${numClasses} identities cannot fill batches of ${config.idsPerBatch}`);
    }
    this.byClass = Array.from({ length: numClasses }, () => [] as number[]);
    data.labels.forEach((c, i) => {
      this.byClass[c].push(i);
    });
    this.trainable = model.trainable();
    this.paramByVariable = new Map([...this.trainable].map(([name, v]) => [v.name, name]));
    this.adam = new Adam(this.trainable);
  }

  /** The batch's images (mirrored where the batch's coin says so), normalised, and labels. */
  batch(step: number): { x: tf.Tensor4D; labels: tf.Tensor1D } {
    const idx = sampleBatch(this.byClass, this.config, step);
    const { height: h, width: w } = this.data;
    const size = h * w * 3;
    const bytes = new Uint8Array(idx.length * size);
    const rng = new Rng(hashSeed(this.config.seed, 0xf11b, step));
    idx.forEach((i, b) => {
      const src = this.data.images.subarray(i * size, (i + 1) * size);
      if (rng.chance(this.config.flipProbability)) mirrorInto(src, bytes.subarray(b * size), h, w);
      else bytes.set(src, b * size);
    });
    return {
      x: preprocess(this.model.config, bytes, idx.length),
      labels: tf.tensor1d(
        idx.map((i) => this.data.labels[i]),
        'int32',
      ),
    };
  }

  /** One optimisation step; returns the batch's losses (read back, so this waits for the backend). */
  async trainStep(): Promise<StepStats> {
    const t0 = performance.now();
    const cfg = this.config;
    const lr = learningRate(cfg, this.step);
    const { x, labels } = this.batch(this.step);
    const bnStats = new Map<string, BatchStats>();
    const logged: tf.Tensor[] = [];
    const { value, grads } = tf.variableGrads(() => {
      const out = this.model.forward(x, { training: true, onBatchStats: (n, s) => bnStats.set(n, s) });
      const t = alignedTripletLosses(out.global, out.local, labels, {
        global: cfg.globalMargin,
        local: cfg.localMargin,
      });
      const id = out.logits && cfg.idWeight > 0 ? crossEntropy(out.logits, labels) : tf.scalar(0);
      const acc = out.logits
        ? tf.mean(tf.cast(tf.equal(tf.argMax(out.logits, 1), labels), 'float32'))
        : tf.scalar(0);
      logged.push(
        ...[t.globalLoss, t.localLoss, id, t.globalAp, t.globalAn, t.localAp, t.localAn, acc].map((v) =>
          tf.keep(v),
        ),
      );
      return tf.addN([
        tf.mul(t.globalLoss, cfg.globalWeight),
        tf.mul(t.localLoss, cfg.localWeight),
        tf.mul(id, cfg.idWeight),
      ]) as tf.Scalar;
    }, [...this.trainable.values()]);
    const named = new Map<string, tf.Tensor>();
    for (const [variableName, g] of Object.entries(grads)) {
      const name = this.paramByVariable.get(variableName)!;
      // torch.optim.Adam's weight_decay: an L2 term added to the gradient.
      const p = this.trainable.get(name)!;
      named.set(name, cfg.weightDecay > 0 ? tf.tidy(() => tf.add(g, tf.mul(p, cfg.weightDecay))) : g);
    }
    this.adam.apply(this.trainable, named, lr);
    this.model.updateRunningStats(bnStats);
    const [loss, ...parts] = await Promise.all([value, ...logged].map(async (t) => (await t.data())[0]));
    tf.dispose([x, labels, value, ...logged, ...Object.values(grads), ...named.values()]);
    for (const s of bnStats.values()) tf.dispose([s.mean, s.variance]);
    const stats: StepStats = {
      step: this.step,
      lr,
      loss,
      globalLoss: parts[0],
      localLoss: parts[1],
      idLoss: parts[2],
      globalAp: parts[3],
      globalAn: parts[4],
      localAp: parts[5],
      localAn: parts[6],
      idAccuracy: parts[7],
    };
    this.step++;
    this.elapsedSeconds += (performance.now() - t0) / 1000;
    this.history.push(stats);
    return stats;
  }

  /** Weights, BN buffers, Adam moments and the training state, as one safetensors file. */
  async checkpoint(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    const state: TrainState = {
      step: this.step,
      elapsedSeconds: this.elapsedSeconds,
      config: this.config,
      history: this.history,
    };
    const moments: TensorToWrite[] = [];
    for (const [prefix, slots] of [
      [ADAM_PREFIXES[0], this.adam.m],
      [ADAM_PREFIXES[1], this.adam.v],
    ] as const) {
      for (const [name, t] of slots) {
        moments.push({
          name: `${prefix}${name}`,
          shape: [...t.shape],
          data: (await t.data()) as Float32Array,
        });
      }
    }
    return serializeReidModel(
      this.model,
      { ...metadata, [TRAIN_STATE_KEY]: JSON.stringify(state), adam_step: String(this.adam.step) },
      moments,
    );
  }

  /** Restores weights, Adam moments and the step from `checkpoint()` bytes into this trainer. */
  restore(bytes: Uint8Array): void {
    const loaded = loadReidModel(bytes, ADAM_PREFIXES);
    if (!loaded.ok) throw new Error(`ReidTrainer.restore: ${loaded.error}`);
    const { model: fromFile, file } = loaded.value;
    fromFile.dispose();
    const problems = checkReidTensors(this.model, file, ADAM_PREFIXES);
    if (problems.length > 0) throw new Error(`ReidTrainer.restore: ${problems.join('; ')}`);
    const state = JSON.parse(file.metadata[TRAIN_STATE_KEY] ?? 'null') as TrainState | null;
    if (!state) throw new Error('ReidTrainer.restore: the file has no training state');
    assignReidTensors(this.model, file);
    const slots = (prefix: string) =>
      new Map(
        [...this.adam.m.keys()].flatMap((name) => {
          const t = file.tensors.get(`${prefix}${name}`);
          return t ? [[name, t.data] as const] : [];
        }),
      );
    this.adam.load({
      step: Number(file.metadata.adam_step ?? state.step),
      m: slots(ADAM_PREFIXES[0]),
      v: slots(ADAM_PREFIXES[1]),
    });
    this.step = state.step;
    this.elapsedSeconds = state.elapsedSeconds;
    this.history = state.history;
  }

  dispose(): void {
    this.adam.dispose();
  }
}

/** Writes the left-right mirror of one HWC RGB image into `out`. */
export function mirrorInto(src: Uint8Array, out: Uint8Array, h: number, w: number): void {
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const s = (y * w + x) * 3;
      const d = (y * w + (w - 1 - x)) * 3;
      out[d] = src[s];
      out[d + 1] = src[s + 1];
      out[d + 2] = src[s + 2];
    }
  }
}
