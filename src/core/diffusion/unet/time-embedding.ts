/**
 * The official `TimeEmbedding`: a sinusoid of width C = time_channels / 4 (sin half first, then cos) with
 * frequencies f_k = exp(-k ln(10000) / (half_dim - 1)), half_dim = time_channels / 8, then
 * lin1 -> SiLU -> lin2. DDPM feeds t / 1000, EDM ln(sigma) / 4.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, type ParamLookup, silu } from './layers';

/** The frequencies as float32, computed the way PyTorch does (float32 arange times a float32 scalar). */
export function sinusoidFrequencies(halfDim: number): Float32Array {
  const step = Math.fround(-Math.log(10_000) / (halfDim - 1));
  const freqs = new Float32Array(halfDim);
  for (let k = 0; k < halfDim; k++) freqs[k] = Math.exp(Math.fround(k * step));
  return freqs;
}

/** [B] -> [B, timeChannels / 4]: `cat(sin(t f), cos(t f))`. */
export function sinusoid(t: tf.Tensor1D, timeChannels: number): tf.Tensor2D {
  const freqs = tf.tensor2d(sinusoidFrequencies(timeChannels / 8), [1, timeChannels / 8]);
  const arg = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), freqs);
  return tf.concat([tf.sin(arg), tf.cos(arg)], 1) as tf.Tensor2D;
}

/**
 * [B] -> [B, timeChannels]. The augmentation embedding (`aug_emb`) only applies when augmentation labels are
 * given, which inference never does, so it is not evaluated here.
 */
export function timeEmbedding(t: tf.Tensor1D, params: ParamLookup, timeChannels: number): tf.Tensor2D {
  const emb = sinusoid(t, timeChannels);
  return linear(silu(linear(emb, params, 'time_emb.lin1')), params, 'time_emb.lin2');
}
