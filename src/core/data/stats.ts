/**
 * Data-set statistics computed with tfjs on the active backend, in batches so a 60k-image set never sits
 * on the GPU at once: per-channel mean and standard deviation (what a normaliser needs) and the mean image
 * of every class (a quick look at what separates the classes).
 */
import * as tf from '@tensorflow/tfjs';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import type { ImageDataset } from './dataset';

export interface DatasetStats {
  count: number;
  /** Per channel, pixel values scaled to [0, 1]. */
  channelMean: number[];
  channelStd: number[];
  /** Per class: height*width*channels values in [0, 1] (NaN-free; classes without images are all zero). */
  classMeans: Float32Array[];
  classCounts: number[];
}

export async function computeDatasetStats(
  d: ImageDataset,
  indices: Int32Array,
  { signal, onProgress }: JobControl = {},
  batchSize = 512,
): Promise<DatasetStats> {
  const { height: h, width: w, channels: c } = d;
  const pixelsPerImage = h * w * c;
  const numClasses = Math.max(1, d.classNames.length);
  const n = indices.length;
  if (n === 0) throw new Error('The selection is empty: there are no images to summarise.');

  // Running sums live in tensors so the accumulation stays on the device; only the totals are read back.
  // Everything is a matrix product over the batch: tfjs-webgpu's reductions to a single value over
  // hundreds of thousands of elements run on one workgroup and took over a minute on SwiftShader.
  let pixelSums = tf.zeros([1, pixelsPerImage]);
  let pixelSquares = tf.zeros([1, pixelsPerImage]);
  let classSums = tf.zeros([numClasses, pixelsPerImage]);
  const classCounts = new Array<number>(numClasses).fill(0);
  try {
    for (let start = 0; start < n; start += batchSize) {
      throwIfCancelled(signal);
      const batch = indices.subarray(start, Math.min(n, start + batchSize));
      const bytes = new Uint8Array(batch.length * pixelsPerImage);
      const batchLabels = new Int32Array(batch.length);
      batch.forEach((idx, k) => {
        bytes.set(d.pixels.subarray(idx * pixelsPerImage, (idx + 1) * pixelsPerImage), k * pixelsPerImage);
        const label = d.labels[idx];
        batchLabels[k] = label >= 0 && label < numClasses ? label : -1;
        if (batchLabels[k] >= 0) classCounts[batchLabels[k]]++;
      });
      const next = tf.tidy(() => {
        const x = tf.tensor2d(bytes, [batch.length, pixelsPerImage], 'int32').toFloat().div(255);
        const ones = tf.ones([1, batch.length]);
        // A label of -1 gives an all-zero one-hot row, so unlabelled images add nothing to class sums.
        const oneHot = tf.oneHot(tf.tensor1d(batchLabels, 'int32'), numClasses).toFloat();
        return [
          pixelSums.add(tf.matMul(ones, x)),
          pixelSquares.add(tf.matMul(ones, x.square())),
          classSums.add(tf.matMul(oneHot, x, true, false)),
        ] as const;
      });
      tf.dispose([pixelSums, pixelSquares, classSums]);
      [pixelSums, pixelSquares, classSums] = next;
      onProgress?.(Math.min(n, start + batchSize), n);
      await yieldToEventLoop();
    }
    // One readback: per-channel totals and class sums packed into one tensor.
    const packed = tf.tidy(() =>
      tf.concat([
        pixelSums.reshape([-1, c]).sum(0),
        pixelSquares.reshape([-1, c]).sum(0),
        classSums.reshape([-1]),
      ]),
    );
    const all = (await packed.data()) as Float32Array;
    packed.dispose();
    const sumV = all.subarray(0, c);
    const sumSqV = all.subarray(c, 2 * c);
    const classV = all.subarray(2 * c);
    const count = n * h * w;
    const channelMean = Array.from(sumV, (s) => s / count);
    const channelStd = Array.from(sumSqV, (s, i) => Math.sqrt(Math.max(0, s / count - channelMean[i] ** 2)));
    const classMeans = classCounts.map((cnt, k) => {
      const row = classV.slice(k * pixelsPerImage, (k + 1) * pixelsPerImage) as Float32Array;
      if (cnt > 0) for (let i = 0; i < row.length; i++) row[i] /= cnt;
      return row;
    });
    return { count: n, channelMean, channelStd, classMeans, classCounts };
  } finally {
    tf.dispose([pixelSums, pixelSquares, classSums]);
  }
}
