/**
 * One training loop for the browser worker and the Node CLI: the DDPM objective, Adam with linear warm-up,
 * gradient-norm clipping, and an EMA copy of the weights (what sampling and probing use, as in the official
 * code). The trainer owns no data loop: callers ask for `step()` and decide when to preview, save or stop.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser';
import { cachedSchedule } from '../schedule';
import { Adam } from './adam';
import type { BatchSource } from './batches';
import { ddpmLoss } from './ddpm-loss';
import { emaDecay, updateEma } from './ema';

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

  /** One update on the batch that belongs to the current step. */
  async trainStep(source: BatchSource): Promise<StepResult> {
    const { model, settings } = this;
    const batch = source.batch(this.step);
    const [, h, w, c] = [0, model.imageShape[1], model.imageShape[2], model.imageShape[0]];
    const n = batch.t.length;
    const lr = learningRateAt(this.step, settings);
    const varList = [...this.trainable.values()];
    const nameOf = new Map([...this.trainable].map(([name, v]) => [v.name, name]));
    const { loss, gradNorm, grads } = tf.tidy(() => {
      const x0 = tf.tensor4d(batch.x0, [n, h, w, c]);
      const noise = tf.tensor4d(batch.noise, [n, h, w, c]);
      const { value, grads: raw } = tf.variableGrads(
        () => ddpmLoss(model, this.schedule, { x0, t: batch.t, noise }, { training: true }),
        varList,
      );
      let sumSq = tf.scalar(0);
      for (const g of Object.values(raw)) sumSq = tf.add(sumSq, tf.sum(tf.square(g)));
      const norm = tf.sqrt(sumSq);
      // torch.nn.utils.clip_grad_norm_: scale by max_norm / (norm + 1e-6) when that is below 1.
      const scale = tf.minimum(1, tf.div(settings.gradClip, tf.add(norm, 1e-6)));
      // A plain object, not a Map: tf.tidy keeps only tensors it can see in the returned container.
      const clipped: Record<string, tf.Tensor> = {};
      for (const [varName, g] of Object.entries(raw)) {
        const name = nameOf.get(varName);
        if (!name) throw new Error(`trainer: gradient for an unknown variable ${varName}`);
        clipped[name] = tf.mul(g, scale);
      }
      return { loss: value, gradNorm: norm, grads: clipped };
    }) as { loss: tf.Scalar; gradNorm: tf.Scalar; grads: Record<string, tf.Tensor> };
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
    updateEma(this.ema.params, model.params, emaDecay(this.step, settings.emaBeta));
    this.step++;
    return { step: this.step, loss: lossValue[0], gradNorm: normValue[0], lr };
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
