/**
 * The loss and raw (unclipped) gradients of the DDPM objective over part of a batch: what the trainer
 * computes for its own share and what a gradient helper (another thread) computes for the rest.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../denoiser';
import type { NoiseSchedule } from '../schedule';
import { ddpmLoss } from './ddpm-loss';

/** Images (NHWC in [-1, 1]), their timesteps and noise: a batch or a contiguous slice of one. */
export interface BatchPart {
  x0: Float32Array;
  t: Int32Array;
  noise: Float32Array;
}

/** Images [from, to) of `batch` (views, not copies). */
export function slicePart(batch: BatchPart, from: number, to: number): BatchPart {
  const size = batch.x0.length / batch.t.length;
  return {
    x0: batch.x0.subarray(from * size, to * size),
    t: batch.t.subarray(from, to),
    noise: batch.noise.subarray(from * size, to * size),
  };
}

/** Splits `n` images into `parts` contiguous shares whose sizes differ by at most one (larger first). */
export function splitSizes(n: number, parts: number): number[] {
  const base = Math.floor(n / parts);
  return Array.from({ length: parts }, (_, i) => base + (i < n % parts ? 1 : 0));
}

/**
 * Mean loss over `part` and its gradient for every trainable parameter, keyed by official name. The caller
 * owns (and disposes) the returned tensors.
 */
export function partGradients(
  model: Denoiser,
  schedule: NoiseSchedule,
  part: BatchPart,
  trainable: ReadonlyMap<string, tf.Variable>,
): { loss: tf.Scalar; grads: Record<string, tf.Tensor> } {
  const [c, h, w] = model.imageShape;
  const n = part.t.length;
  const nameOf = new Map([...trainable].map(([name, v]) => [v.name, name]));
  return tf.tidy(() => {
    const x0 = tf.tensor4d(part.x0, [n, h, w, c]);
    const noise = tf.tensor4d(part.noise, [n, h, w, c]);
    const { value, grads: raw } = tf.variableGrads(
      () => ddpmLoss(model, schedule, { x0, t: part.t, noise }, { training: true }),
      [...trainable.values()],
    );
    // A plain object, not a Map: tf.tidy keeps only tensors it can see in the returned container.
    const grads: Record<string, tf.Tensor> = {};
    for (const [varName, g] of Object.entries(raw)) {
      const name = nameOf.get(varName);
      if (!name) throw new Error(`trainer: gradient for an unknown variable ${varName}`);
      grads[name] = g;
    }
    return { loss: value, grads };
  }) as { loss: tf.Scalar; grads: Record<string, tf.Tensor> };
}
