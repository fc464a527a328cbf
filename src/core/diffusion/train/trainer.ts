/**
 * One training loop for the browser worker and the Node CLI: the DDPM objective, Adam with linear warm-up,
 * gradient-norm clipping, and an EMA copy of the weights (what sampling and probing use, as in the official
 * code). The trainer owns no data loop: callers ask for `step()` and decide when to preview, save or stop.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser';
import { cachedSchedule } from '../schedule';
import { Adam } from './adam';
import { type BatchPart, partGradients, slicePart, splitSizes } from './batch-gradients';
import type { BatchSource } from './batches';
import { emaDecay, updateEma } from './ema';
import type { GradientHelper, GradientResult } from './gradient-helper';

export interface TrainSettings {
  batchSize: number;
  /** Peak learning rate, reached after `warmupSteps`. */
  lr: number;
  warmupSteps: number;
  /** The EMA's final decay (`beta`); warm-up lowers it early on. */
  emaBeta: number;
  /** Global gradient-norm clip (the official code clips at 1). */
  gradClip: number;
  hflip: boolean;
  seed: number;
  /**
   * Cosine decay of the learning rate from its peak at `fromStep` to 0 at `toStep` (and 0 after); absent:
   * constant after warm-up, as the official code. Annealing removes the weight noise a high constant rate
   * leaves (measured on the shipped UNet: EMA samples 54% confident, online weights 33%).
   */
  decay?: LrDecay;
}

export interface LrDecay {
  fromStep: number;
  toStep: number;
}

export const DEFAULT_TRAIN_SETTINGS: TrainSettings = {
  batchSize: 64,
  lr: 1e-3,
  warmupSteps: 200,
  emaBeta: 0.999,
  gradClip: 1,
  hflip: false,
  seed: 0,
};

export interface StepResult {
  /** The step just completed (1-based: the number of updates applied). */
  step: number;
  loss: number;
  /** The gradient's global L2 norm before clipping. */
  gradNorm: number;
  lr: number;
}

/** Raised when the loss or gradient is NaN/Inf: the update is skipped, the weights stay as they were. */
export class NonFiniteLossError extends Error {
  constructor(
    readonly step: number,
    readonly loss: number,
  ) {
    super(
      `Training diverged at step ${step}: the loss is ${loss}. The weights were not updated; resume from the last checkpoint with a lower learning rate.`,
    );
    this.name = 'NonFiniteLossError';
  }
}

export function learningRateAt(step: number, s: Pick<TrainSettings, 'lr' | 'warmupSteps' | 'decay'>): number {
  const warm = s.warmupSteps > 0 ? Math.min(1, (step + 1) / s.warmupSteps) : 1;
  if (!s.decay || step <= s.decay.fromStep) return s.lr * warm;
  const progress = Math.min(1, (step - s.decay.fromStep) / (s.decay.toStep - s.decay.fromStep));
  return s.lr * warm * 0.5 * (1 + Math.cos(Math.PI * progress));
}

/** Why `lr` is not a usable peak learning rate, or null. */
export function lrProblem(lr: number): string | null {
  return Number.isFinite(lr) && lr > 0 ? null : `The learning rate must be a positive number; got ${lr}.`;
}

/** Why `decay` is not a usable schedule, or null. */
export function lrDecayProblem(decay: LrDecay | undefined): string | null {
  if (!decay) return null;
  const { fromStep, toStep } = decay;
  if (!Number.isInteger(fromStep) || !Number.isInteger(toStep) || fromStep < 0 || toStep <= fromStep) {
    return `the learning-rate decay needs whole steps 0 <= from < to, got from ${fromStep} to ${toStep}`;
  }
  return null;
}

export class DiffusionTrainer {
  readonly adam: Adam;
  private readonly trainable: Map<string, tf.Variable>;
  private readonly schedule = cachedSchedule('DDPM');

  constructor(
    /** The online weights: what the optimizer updates. */
    readonly model: Denoiser,
    /** The EMA weights, a second network of the same config. */
    readonly ema: Denoiser,
    readonly settings: TrainSettings,
    /** Updates applied so far (0 for a new run; the checkpoint's step when resuming). */
    public step = 0,
  ) {
    checkSameShapes(model, ema);
    this.trainable = new Map([...model.params].filter(([, v]) => v.trainable));
    this.adam = new Adam(this.trainable);
    this.adam.step = step;
  }

  /** Threads that compute the gradients of slices of each batch (see gradient-helper.ts); none: all here. */
  private helpers: readonly GradientHelper[] = [];

  /** Shares each following step's batch with `helpers` (this thread keeps the first, largest slice). */
  shareBatchesWith(helpers: readonly GradientHelper[]): void {
    this.helpers = helpers;
  }

  /** One update on the batch that belongs to the current step. */
  async trainStep(source: BatchSource): Promise<StepResult> {
    const { settings } = this;
    const batch = source.batch(this.step);
    const lr = learningRateAt(this.step, settings);
    const raw = await this.batchGradients(batch);
    const { gradNorm, grads } = tf.tidy(() => {
      let sumSq = tf.scalar(0);
      for (const g of Object.values(raw.grads)) sumSq = tf.add(sumSq, tf.sum(tf.square(g)));
      const norm = tf.sqrt(sumSq);
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
      const scale = tf.minimum(1, tf.div(settings.gradClip, tf.add(norm, 1e-6)));
      const clipped: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(raw.grads)) clipped[name] = tf.mul(g, scale);
      return { gradNorm: norm, grads: clipped };
    }) as { gradNorm: tf.Scalar; grads: Record<string, tf.Tensor> };
    for (const g of Object.values(raw.grads)) g.dispose();
    const loss = raw.loss;
    const [lossValue, normValue] = await Promise.all([loss.data(), gradNorm.data()]);
    loss.dispose();
    gradNorm.dispose();
    try {
      if (!Number.isFinite(lossValue[0]) || !Number.isFinite(normValue[0])) {
        throw new NonFiniteLossError(
          this.step + 1,
          Number.isFinite(lossValue[0]) ? normValue[0] : lossValue[0],
        );
      }
      this.adam.apply(this.trainable, new Map(Object.entries(grads)), lr);
    } finally {
      for (const g of Object.values(grads)) g.dispose();
    }
    updateEma(this.ema.params, this.model.params, emaDecay(this.step, settings.emaBeta));
    this.step++;
    return { step: this.step, loss: lossValue[0], gradNorm: normValue[0], lr };
  }

  /**
   * The batch's mean loss and raw gradients: computed here, or sliced between this thread and the
   * helpers and averaged by slice size (what one pass over the whole batch gives, up to rounding). The
   * caller owns the returned tensors.
   */
  async batchGradients(batch: BatchPart): Promise<{ loss: tf.Scalar; grads: Record<string, tf.Tensor> }> {
    const { model, helpers } = this;
    if (helpers.length === 0) return partGradients(model, this.schedule, batch, this.trainable);
    const n = batch.t.length;
    const sizes = splitSizes(n, helpers.length + 1).filter((s) => s > 0);
    const weights: Record<string, Float32Array> = {};
    for (const [name, v] of this.trainable) weights[name] = v.dataSync() as Float32Array;
    const pending: Promise<GradientResult>[] = [];
    let from = sizes[0];
    for (let i = 1; i < sizes.length; i++) {
      pending.push(helpers[i - 1].compute(weights, slicePart(batch, from, from + sizes[i])));
      from += sizes[i];
    }
    // Our own slice runs while the helpers work on theirs.
    const own = partGradients(model, this.schedule, slicePart(batch, 0, sizes[0]), this.trainable);
    let remote: GradientResult[];
    try {
      remote = await Promise.all(pending);
    } catch (e) {
      own.loss.dispose();
      for (const g of Object.values(own.grads)) g.dispose();
      throw e;
    }
    const combined = tf.tidy(() => {
      const loss = remote.reduce(
        (sum, r, i) => tf.add(sum, tf.mul(r.loss, sizes[i + 1] / n)),
        tf.mul(own.loss, sizes[0] / n),
      ) as tf.Scalar;
      const grads: Record<string, tf.Tensor> = {};
      for (const [name, g] of Object.entries(own.grads)) {
        grads[name] = remote.reduce(
          (sum, r, i) => {
            const part = r.grads[name];
            if (!part) throw new Error(`trainer: a gradient helper sent no gradient for "${name}"`);
            return tf.add(sum, tf.mul(tf.tensor(part, g.shape, 'float32'), sizes[i + 1] / n));
          },
          tf.mul(g, sizes[0] / n),
        );
      }
      return { loss, grads };
    }) as { loss: tf.Scalar; grads: Record<string, tf.Tensor> };
    own.loss.dispose();
    for (const g of Object.values(own.grads)) g.dispose();
    return combined;
  }

  dispose(): void {
    this.adam.dispose();
  }
}

function checkSameShapes(a: Denoiser, b: Denoiser): void {
  for (const [name, v] of a.params) {
    const other = b.params.get(name);
    if (!other || other.shape.join() !== v.shape.join()) {
      throw new Error(`trainer: the EMA network does not match the online one at "${name}"`);
    }
  }
}
