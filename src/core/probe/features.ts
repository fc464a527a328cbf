/**
 * DDAE feature extraction (`model/DDPM.py::get_feature`): x in [0, 1] -> 2x - 1, noised to timestep t,
 * one network pass returning every tap, each pooled (global average over space for the UNet, mean over
 * tokens for DiT). Streamed in batches: only one batch's activations are ever on the device; the pooled
 * features land in host Float32Arrays, one per tap.
 *
 * Noise: the official code draws fresh noise on every call. Here it is seeded, and the noise of an image
 * depends only on (seed, t, the image's index in its data set): value j of image i at timestep t is value
 * i * D + j of Philox stream t. So a rerun gives the same features, a different subset or batch size gives
 * each image the same x_t, and every image and timestep has its own draw.
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import type { Denoiser } from '../diffusion/denoiser';
import type { DiTDenoiser } from '../diffusion/dit';
import { gaussianNoise } from '../diffusion/rng';
import { cachedSchedule, DDAE_T } from '../diffusion/schedule';
import type { UNetDenoiser } from '../diffusion/unet';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';

/**
 * The model's default feature taps, in forward order: `out_1..out_N` (UNet decoder, as DDAE probes) or
 * `layer-0..` (DiT blocks).
 */
export function tapNames(model: Denoiser): string[] {
  if (model.arch === 'unet') return [...(model as UNetDenoiser).plan.taps];
  return Array.from({ length: (model as DiTDenoiser).config.depth }, (_, i) => `layer-${i}`);
}

/** Every tap, in forward order: the UNet's optional encoder taps `enc_k` and `middle` before the defaults. */
export function allTapNames(model: Denoiser): string[] {
  if (model.arch === 'unet') return [...(model as UNetDenoiser).plan.extraTaps, ...tapNames(model)];
  return tapNames(model);
}

/** Pooled features of one tap at one timestep: `count` rows of `dim` floats. */
export interface TapFeatures {
  dim: number;
  data: Float32Array;
}

export interface ExtractOptions {
  /** Integer DDPM timestep in [0, 1000]. */
  t: number;
  /** Taps to keep (all the model returns when omitted). */
  taps?: readonly string[];
  /** Images per network evaluation. The last batch is padded to this size so shapes stay in one bucket. */
  batchSize: number;
  seed: number;
}

/** [0, 255] pixels of `indices` -> x_t = sqrt(ab_t) (2x - 1) + sqrt(1 - ab_t) eps, NHWC float32. */
export function noisyBatch(
  dataset: ImageDataset,
  indices: ArrayLike<number>,
  t: number,
  seed: number,
): Float32Array {
  const { sqrtab, sqrtmab } = cachedSchedule('DDPM');
  const a = sqrtab[t];
  const s = sqrtmab[t];
  const D = dataset.height * dataset.width * dataset.channels;
  const out = new Float32Array(indices.length * D);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const noise = s === 0 ? null : gaussianNoise(seed, t, D, i * D);
    const base = i * D;
    for (let j = 0; j < D; j++) {
      const x = (dataset.pixels[base + j] / 255) * 2 - 1;
      out[k * D + j] = noise ? a * x + s * noise[j] : x;
    }
  }
  return out;
}

/**
 * Pooled features of every tap for the images `indices` at timestep `t`. `onBatch(done, total)` reports
 * images done. Cancels between batches.
 */
export async function extractFeatures(
  model: Denoiser,
  dataset: ImageDataset,
  indices: Int32Array,
  options: ExtractOptions,
  control: JobControl = {},
): Promise<Map<string, TapFeatures>> {
  const { t, batchSize, seed } = options;
  if (!Number.isInteger(t) || t < 0 || t > DDAE_T) throw new Error(`t must be an integer in [0, ${DDAE_T}]`);
  if (!Number.isInteger(batchSize) || batchSize < 1) throw new Error('batchSize must be a positive integer');
  const [C, H, W] = model.imageShape;
  if (dataset.channels !== C || dataset.height !== H || dataset.width !== W) {
    throw new Error(
      `The model takes ${C}×${H}×${W} images; ${dataset.name} has ${dataset.channels}×${dataset.height}×${dataset.width}.`,
    );
  }
  const n = indices.length;
  const out = new Map<string, TapFeatures>();
  const wanted = options.taps ? new Set(options.taps) : null;
  const defaults = new Set(tapNames(model));
  const needsExtra = wanted !== null && [...wanted].some((name) => !defaults.has(name));
  const B = Math.min(batchSize, Math.max(1, n));
  for (let start = 0; start < n; start += B) {
    throwIfCancelled(control.signal);
    const count = Math.min(B, n - start);
    // Pad the last batch with repeats of its first image: one tensor shape for the whole run.
    const batch = Int32Array.from({ length: B }, (_, k) => indices[start + (k < count ? k : 0)]);
    const x = tf.tensor4d(noisyBatch(dataset, batch, t, seed), [B, H, W, C]);
    const time = tf.fill([B], t / DDAE_T) as tf.Tensor1D;
    const result = model.forward(x, time, { taps: true, extraTaps: needsExtra });
    const kept = result.taps.filter((tap) => !wanted || wanted.has(tap.name));
    try {
      const values = await Promise.all(kept.map((tap) => tap.pooled.data() as Promise<Float32Array>));
      kept.forEach((tap, k) => {
        const dim = tap.pooled.shape[1];
        let entry = out.get(tap.name);
        if (!entry) {
          entry = { dim, data: new Float32Array(n * dim) };
          out.set(tap.name, entry);
        }
        entry.data.set(values[k].subarray(0, count * dim), start * dim);
      });
    } finally {
      tf.dispose([x, time, result.eps, ...result.taps.flatMap((tap) => [tap.activation, tap.pooled])]);
    }
    control.onProgress?.(start + count, n);
    await yieldToEventLoop();
  }
  if (wanted) {
    const missing = [...wanted].filter((name) => !out.has(name));
    if (missing.length > 0 && n > 0) throw new Error(`The model returned no tap ${missing.join(', ')}.`);
  }
  return out;
}

/** The images themselves as features ([0, 1] pixels, flattened): the raw-pixel baseline. */
export function pixelFeatures(dataset: ImageDataset, indices: Int32Array): TapFeatures {
  const D = dataset.height * dataset.width * dataset.channels;
  const data = new Float32Array(indices.length * D);
  indices.forEach((i, k) => {
    for (let j = 0; j < D; j++) data[k * D + j] = dataset.pixels[i * D + j] / 255;
  });
  return { dim: D, data };
}

/** Whether every value is finite (NaN or ±Inf features fail a cell). */
export function allFinite(values: Float32Array): boolean {
  for (let i = 0; i < values.length; i++) if (!Number.isFinite(values[i])) return false;
  return true;
}
