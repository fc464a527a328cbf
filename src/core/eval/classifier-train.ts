/**
 * Trains the scoring classifier: Adam, cross-entropy, dropout on the features, random shifts of up to
 * 2 pixels (cheap augmentation that lifts MNIST test accuracy on a small training set).
 */
import * as tf from '@tensorflow/tfjs';
import type { ImageDataset } from '../data/dataset';
import { uniformValues } from '../diffusion/rng';
import { type JobControl, throwIfCancelled } from '../job';
import type { ImageClassifier } from './classifier';

export interface ClassifierTrainSettings {
  epochs: number;
  batchSize: number;
  lr: number;
  seed: number;
  maxShift: number;
}

export const DEFAULT_CLASSIFIER_TRAINING: ClassifierTrainSettings = {
  epochs: 6,
  batchSize: 64,
  lr: 1e-3,
  seed: 0,
  maxShift: 2,
};

/** The images at `indices` as NHWC float32 in [0, 1], each shifted by (dy, dx) with zero fill. */
export function imageBatch(d: ImageDataset, indices: Int32Array, shifts?: Int32Array): Float32Array {
  const { height: h, width: w, channels: c } = d;
  const size = h * w * c;
  const out = new Float32Array(indices.length * size);
  for (let b = 0; b < indices.length; b++) {
    const src = indices[b] * size;
    const dy = shifts ? shifts[2 * b] : 0;
    const dx = shifts ? shifts[2 * b + 1] : 0;
    for (let y = 0; y < h; y++) {
      const sy = y - dy;
      if (sy < 0 || sy >= h) continue;
      for (let x = 0; x < w; x++) {
        const sx = x - dx;
        if (sx < 0 || sx >= w) continue;
        for (let k = 0; k < c; k++)
          out[b * size + (y * w + x) * c + k] = d.pixels[src + (sy * w + sx) * c + k] / 255;
      }
    }
  }
  return out;
}

/** Top-1 accuracy on `indices`. */
export async function classifierAccuracy(
  clf: ImageClassifier,
  d: ImageDataset,
  indices: Int32Array,
): Promise<number> {
  let correct = 0;
  for (let i = 0; i < indices.length; i += 256) {
    const idx = indices.slice(i, i + 256);
    const pred = tf.tidy(() => {
      const x = tf.tensor4d(imageBatch(d, idx), [idx.length, d.height, d.width, d.channels]);
      return tf.argMax(clf.forward(x).logits, 1);
    });
    const p = await pred.data();
    pred.dispose();
    for (let j = 0; j < idx.length; j++) if (p[j] === d.labels[idx[j]]) correct++;
  }
  return correct / indices.length;
}

export async function trainClassifier(
  clf: ImageClassifier,
  d: ImageDataset,
  train: Int32Array,
  s: ClassifierTrainSettings,
  onProgress?: (p: { epoch: number; step: number; steps: number; loss: number }) => void,
  control?: JobControl,
): Promise<void> {
  const optimizer = tf.train.adam(s.lr);
  const vars = [...clf.params.values()];
  const stepsPerEpoch = Math.floor(train.length / s.batchSize);
  const steps = stepsPerEpoch * s.epochs;
  try {
    for (let step = 0; step < steps; step++) {
      throwIfCancelled(control?.signal);
      const epoch = Math.floor(step / stepsPerEpoch);
      const u = uniformValues(s.seed, epoch, train.length, 1);
      // One shuffle per epoch: sort indices by their uniform draw.
      const order = Array.from(train).map((v, i) => [u[i], v] as const);
      order.sort((a, b) => a[0] - b[0]);
      const offset = (step % stepsPerEpoch) * s.batchSize;
      const idx = Int32Array.from(order.slice(offset, offset + s.batchSize), (p) => p[1]);
      const r = uniformValues(s.seed, step, 2 * idx.length, 2);
      const shifts = Int32Array.from(r, (v) => Math.floor(v * (2 * s.maxShift + 1)) - s.maxShift);
      const loss = tf.tidy(() => {
        const x = tf.tensor4d(imageBatch(d, idx, shifts), [idx.length, d.height, d.width, d.channels]);
        const y = tf.oneHot(
          tf.tensor1d(
            Array.from(idx, (i) => d.labels[i]),
            'int32',
          ),
          clf.config.classes,
        );
        return optimizer.minimize(
          () => tf.losses.softmaxCrossEntropy(y, clf.forward(x, { dropout: 0.25 }).logits) as tf.Scalar,
          true,
          vars,
        ) as tf.Scalar;
      });
      const value = (await loss.data())[0];
      loss.dispose();
      onProgress?.({ epoch, step: step + 1, steps, loss: value });
    }
  } finally {
    optimizer.dispose();
  }
}
