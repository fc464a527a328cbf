/**
 * The sampling loop: start from x_T ~ N(0, I), walk the official timestep pairs, call the network once per
 * step and apply the DDIM or DDPM update. Noise comes from the seeded CPU generator (rng.ts), so a seed
 * gives the same images on every backend; tests can inject x_T and every z instead.
 */
import * as tf from '@tensorflow/tfjs';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../../job';
import { gaussianNoise } from '../rng';
import { cachedSchedule, DDAE_BETAS, DDAE_T } from '../schedule';
import { ddimCoefficients, ddpmCoefficients, type StepCoefficients } from './coefficients';
import { samplingTimes } from './times';
import { denoiseUpdate } from './update';

/**
 * What the sampler needs from a network; every `Denoiser` is one. `x` is NHWC in [-1, 1], `t` holds
 * t / T per image; the sampler disposes whatever `forward` returns.
 */
export interface EpsModel {
  /** [channels, height, width]. */
  readonly imageShape: readonly [number, number, number];
  forward(x: tf.Tensor4D, t: tf.Tensor1D): { eps: tf.Tensor4D };
}

export type SamplerSpec =
  /** eta = 0: deterministic DDIM; eta = 1: DDIM with the DDPM posterior variance. */
  | { kind: 'ddim'; steps: number; eta: number }
  /** Official ancestral sampler; steps < T respaces it (default T, the official 1000-step chain). */
  | { kind: 'ddpm'; steps?: number };

export interface StepInfo {
  /** 0-based index of the step just done, of `total`. */
  step: number;
  total: number;
  /** The time the network saw, and the time the state is now at. */
  t: number;
  tNext: number;
  /** The state after this step (at tNext), NHWC. Valid only during the callback: do not keep or dispose it. */
  xt: tf.Tensor4D;
  /** The clipped x0 prediction of this step. Valid only during the callback: do not keep or dispose it. */
  x0: tf.Tensor4D;
}

/** Replaces the seeded noise, e.g. with a reference implementation's. Arrays are NHWC, batch * H * W * C long. */
export interface NoiseOverride {
  xT?: Float32Array;
  /** The noise of step `step` (0-based); called only for steps that use noise. */
  z?: (step: number) => Float32Array;
}

export interface SampleOptions {
  model: EpsModel;
  sampler: SamplerSpec;
  batch: number;
  /** Integer in [0, 2^53). x_T is stream 0 of the seed, step k's noise stream k + 1 (see rng.ts). */
  seed: number;
  control?: JobControl;
  /** Called after every step; awaited, so a slow preview throttles the loop instead of piling up work. */
  onStep?: (info: StepInfo) => void | Promise<void>;
  noise?: NoiseOverride;
  /** Linear beta range and T of the checkpoint; DDAE's (1e-4, 0.02), 1000 by default. */
  betas?: readonly [number, number];
  T?: number;
}

/** The step plan of a sampler: one entry per network evaluation (its length is the real step count). */
export function samplerPlan(
  sampler: SamplerSpec,
  betas: readonly [number, number] = DDAE_BETAS,
  T: number = DDAE_T,
): StepCoefficients[] {
  const steps = sampler.kind === 'ddpm' ? (sampler.steps ?? T) : sampler.steps;
  const times = samplingTimes(steps, T);
  const plan: StepCoefficients[] = [];
  if (sampler.kind === 'ddim') {
    const schedule = cachedSchedule('DDIM', betas, T);
    for (let i = 0; i + 1 < times.length; i++) {
      plan.push(ddimCoefficients(schedule, times[i], times[i + 1], sampler.eta));
    }
  } else {
    const schedule = cachedSchedule('DDPM', betas, T);
    for (let i = 0; i + 1 < times.length; i++) plan.push(ddpmCoefficients(schedule, times[i], times[i + 1]));
  }
  return plan;
}

/** Yield to the event loop at most this often, so a cancel message can arrive without a 4 ms timer per step. */
const YIELD_EVERY_MS = 15;

/**
 * Runs the sampler and returns x_0 (NHWC, the model's [-1, 1] space, not clipped, as the official code
 * leaves it). The caller owns the result. Throws JobCancelledError when `control.signal` aborts (checked
 * before every step), leaking no tensor. Reports progress as (steps done, total).
 */
export async function sample(options: SampleOptions): Promise<tf.Tensor4D> {
  const { model, sampler, batch, seed, control, onStep, noise } = options;
  const T = options.T ?? DDAE_T;
  if (!Number.isInteger(batch) || batch < 1)
    throw new Error(`batch must be a positive integer; got ${batch}.`);
  const [c, h, w] = model.imageShape;
  const shape: [number, number, number, number] = [batch, h, w, c];
  const size = batch * h * w * c;
  const plan = samplerPlan(sampler, options.betas, T);
  const total = plan.length;

  const xTData = noise?.xT ?? gaussianNoise(seed, 0, size);
  checkLength('x_T', xTData, size);
  let x = tf.tensor4d(xTData, shape);
  let lastYield = Date.now();
  try {
    for (let step = 0; step < total; step++) {
      throwIfCancelled(control?.signal);
      const coef = plan[step];
      const z = coef.cz !== 0 ? (noise?.z ? noise.z(step) : gaussianNoise(seed, step + 1, size)) : undefined;
      if (z) checkLength(`z of step ${step}`, z, size);
      const { x0, xNext } = runStep(model, x, coef, z, T);
      x.dispose();
      x = xNext;
      try {
        await onStep?.({ step, total, t: coef.t, tNext: coef.tNext, xt: xNext, x0 });
      } finally {
        x0.dispose();
      }
      control?.onProgress?.(step + 1, total);
      if (Date.now() - lastYield >= YIELD_EVERY_MS) {
        await yieldToEventLoop();
        lastYield = Date.now();
      }
    }
  } catch (e) {
    x.dispose();
    throw e;
  }
  return x;
}

/** One network call and update; disposes everything but the update's outputs. */
function runStep(
  model: EpsModel,
  x: tf.Tensor4D,
  coef: StepCoefficients,
  zData: Float32Array | undefined,
  T: number,
): { x0: tf.Tensor4D; xNext: tf.Tensor4D } {
  const eps = tf.tidy(() => {
    // The network's time input, t / T, as the official `time / self.n_T`.
    const tIn = tf.fill([x.shape[0]], coef.t / T) as tf.Tensor1D;
    const out = model.forward(x, tIn).eps;
    // A model may hand back its input (an identity fake); the caller disposes eps, so it must be new.
    return out === x ? out.clone() : out;
  });
  const z = zData ? tf.tensor4d(zData, x.shape) : undefined;
  try {
    return denoiseUpdate(x, eps, coef, z);
  } finally {
    eps.dispose();
    z?.dispose();
  }
}

function checkLength(name: string, data: Float32Array, size: number): void {
  if (data.length !== size) throw new Error(`${name} has ${data.length} values; the batch needs ${size}.`);
}
