/**
 * Deterministic mini-batches: everything a training step draws (which images, flips, timesteps, noise) is a
 * function of (seed, step) alone, so a run resumed from a checkpoint at step s continues exactly as the
 * uninterrupted run would have.
 */
import type { ImageDataset } from '../../data/dataset';
import { gaussianNoise, uniformValues } from '../rng';

const PURPOSE_SHUFFLE = 1;
const PURPOSE_TIMESTEP = 2;
const PURPOSE_FLIP = 3;

/** Fisher-Yates permutation of `indices` for one epoch. */
function epochPermutation(indices: Int32Array, seed: number, epoch: number): Int32Array {
  const perm = Int32Array.from(indices);
  const u = uniformValues(seed, epoch, perm.length, PURPOSE_SHUFFLE);
  for (let i = perm.length - 1; i > 0; i--) {
    const j = Math.floor(u[i] * (i + 1));
    const tmp = perm[i];
    perm[i] = perm[j];
    perm[j] = tmp;
  }
  return perm;
}

export interface TrainingBatch {
  /** NHWC float32 images in [-1, 1] (uint8 / 127.5 - 1), flipped where drawn. */
  x0: Float32Array;
  /** Timesteps, uniform in 1..T. */
  t: Int32Array;
  /** Standard normal noise, one value per pixel. */
  noise: Float32Array;
  /** Dataset indices of the images. */
  indices: Int32Array;
}

export class BatchSource {
  private cachedEpoch = -1;
  private cachedPerm: Int32Array = new Int32Array(0);
  readonly stepsPerEpoch: number;

  constructor(
    readonly dataset: ImageDataset,
    /** The images to train on (e.g. the train split). */
    readonly indices: Int32Array,
    readonly batchSize: number,
    readonly seed: number,
    readonly options: { hflip: boolean; T: number },
  ) {
    if (indices.length < batchSize) {
      throw new Error(
        `The training set has ${indices.length} images, fewer than one batch of ${batchSize}: lower the batch size or add images.`,
      );
    }
    // Drop the last partial batch, as the official DataLoader(drop_last=True) does.
    this.stepsPerEpoch = Math.floor(indices.length / batchSize);
  }

  /** The batch of training step `step` (0-based). */
  batch(step: number): TrainingBatch {
    const { dataset: d, batchSize: B, seed } = this;
    const epoch = Math.floor(step / this.stepsPerEpoch);
    if (epoch !== this.cachedEpoch) {
      this.cachedPerm = epochPermutation(this.indices, seed, epoch);
      this.cachedEpoch = epoch;
    }
    const offset = (step % this.stepsPerEpoch) * B;
    const indices = this.cachedPerm.slice(offset, offset + B);
    const { height: h, width: w, channels: c } = d;
    const size = h * w * c;
    const x0 = new Float32Array(B * size);
    const flips = uniformValues(seed, step, B, PURPOSE_FLIP);
    for (let b = 0; b < B; b++) {
      const src = indices[b] * size;
      const dst = b * size;
      const flip = this.options.hflip && flips[b] < 0.5;
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const sx = flip ? w - 1 - x : x;
          for (let k = 0; k < c; k++) {
            x0[dst + (y * w + x) * c + k] = d.pixels[src + (y * w + sx) * c + k] / 127.5 - 1;
          }
        }
      }
    }
    const u = uniformValues(seed, step, B, PURPOSE_TIMESTEP);
    const t = new Int32Array(B);
    for (let b = 0; b < B; b++) t[b] = 1 + Math.floor(u[b] * this.options.T);
    // Stream = step keeps noise independent across steps; the seed is offset so it never equals sampling's.
    const noise = gaussianNoise(seed + 0x5eed, step, B * size);
    return { x0, t, noise, indices };
  }
}
