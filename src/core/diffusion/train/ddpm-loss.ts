/**
 * The official DDPM training objective (`model/DDPM.py`, `forward`): x0 in [-1, 1], t uniform in {1..T},
 * x_t = sqrt(ᾱ_t) x0 + sqrt(1 - ᾱ_t) ε, loss = mean((ε - ε_θ(x_t, t/T))²).
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser';
import type { NoiseSchedule } from '../schedule';

export interface DdpmBatch {
  /** NHWC images in [-1, 1]. */
  x0: tf.Tensor4D;
  /** Integer timesteps in 1..T, one per image. */
  t: Int32Array;
  /** Standard normal noise, the shape of x0. */
  noise: tf.Tensor4D;
}

/** The scalar loss; builds its graph inside the caller's tidy / gradient scope. */
export function ddpmLoss(
  model: Denoiser,
  schedule: NoiseSchedule,
  batch: DdpmBatch,
  options: { training?: boolean } = {},
): tf.Scalar {
  const n = batch.t.length;
  const sqrtab = new Float32Array(n);
  const sqrtmab = new Float32Array(n);
  const tIn = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const t = batch.t[i];
    sqrtab[i] = schedule.sqrtab[t];
    sqrtmab[i] = schedule.sqrtmab[t];
    tIn[i] = t / schedule.T;
  }
  const a = tf.tensor4d(sqrtab, [n, 1, 1, 1]);
  const b = tf.tensor4d(sqrtmab, [n, 1, 1, 1]);
  const xt = tf.add(tf.mul(a, batch.x0), tf.mul(b, batch.noise)) as tf.Tensor4D;
  const { eps } = model.forward(xt, tf.tensor1d(tIn), { training: options.training ?? false });
  return tf.mean(tf.squaredDifference(batch.noise, eps));
}
