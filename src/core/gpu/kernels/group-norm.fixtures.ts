/**
 * Test fixtures for the GroupNorm kernel: seeded random inputs, the error measure the kernel must meet, and
 * an independent tf-ops composition of GroupNorm to check the reference against.
 */
import * as tf from '@tensorflow/tfjs';
import type { GroupNormAttrs } from './group-norm-reference';

export type Nhwc = [number, number, number, number];

/** Deterministic standard-normal samples (mulberry32 + Box-Muller), so failures reproduce. */
export function seededNormal(seed: number): () => number {
  let state = seed >>> 0;
  const uniform = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return () => Math.sqrt(-2 * Math.log(1 - uniform())) * Math.cos(2 * Math.PI * uniform());
}

export interface GroupNormInputs {
  readonly shape: Nhwc;
  readonly x: Float32Array;
  readonly gamma: Float32Array;
  readonly beta: Float32Array;
}

/** x ~ N(mean, std²) with a per-channel offset too, so slices have non-zero, differing means. */
export function randomInputs(shape: Nhwc, seed: number, mean = 5, std = 3): GroupNormInputs {
  const normal = seededNormal(seed);
  const channels = shape[3];
  const channelOffset = Float32Array.from({ length: channels }, () => normal());
  const x = new Float32Array(shape[0] * shape[1] * shape[2] * channels);
  for (let i = 0; i < x.length; i++) x[i] = mean + channelOffset[i % channels] + std * normal();
  const gamma = Float32Array.from({ length: channels }, () => 1 + 0.5 * normal());
  const beta = Float32Array.from({ length: channels }, () => 0.5 * normal());
  return { shape, x, gamma, beta };
}

export interface ErrorStats {
  /** max|a - b| / max(max|ref|, 1e-6): the acceptance measure. */
  readonly relative: number;
  /** max over elements of |a - b| / max(|ref|, 1e-6): reported, not gated (it explodes near zero outputs). */
  readonly elementwise: number;
  readonly maxAbs: number;
}

export function errorStats(actual: ArrayLike<number>, reference: ArrayLike<number>): ErrorStats {
  if (actual.length !== reference.length) throw new Error(`length ${actual.length} != ${reference.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  let elementwise = 0;
  for (let i = 0; i < reference.length; i++) {
    const diff = Math.abs(actual[i] - reference[i]);
    if (!(diff <= maxAbs)) maxAbs = diff; // also catches NaN
    maxRef = Math.max(maxRef, Math.abs(reference[i]));
    elementwise = Math.max(elementwise, diff / Math.max(Math.abs(reference[i]), 1e-6));
  }
  return { relative: maxAbs / Math.max(maxRef, 1e-6), elementwise, maxAbs };
}

/** GroupNorm composed from tf ops (tf.moments over [N, H*W, G, C/G]): an independent second opinion. */
export function groupNormByTfOps(
  x: tf.Tensor4D,
  gamma: tf.Tensor1D,
  beta: tf.Tensor1D,
  { groups, eps, silu }: GroupNormAttrs,
): tf.Tensor4D {
  return tf.tidy(() => {
    const [n, h, w, c] = x.shape;
    const grouped = tf.reshape(x, [n, h * w, groups, c / groups]);
    const { mean, variance } = tf.moments(grouped, [1, 3], true);
    const normalised = tf.reshape(tf.div(tf.sub(grouped, mean), tf.sqrt(tf.add(variance, eps))), x.shape);
    const y = tf.add<tf.Tensor4D>(tf.mul(normalised, gamma), beta);
    return silu ? tf.mul<tf.Tensor4D>(y, tf.sigmoid(y)) : y;
  });
}
