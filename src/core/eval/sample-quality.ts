/**
 * How good generated samples are, judged by the scoring classifier: the Fréchet distance between its
 * features of the samples and of real test images, the fraction it classifies with confidence ≥ 0.9, and
 * the class histogram (a model that draws only ones would score well on confidence alone).
 */
import * as tf from '@tensorflow/tfjs';
import { type EpsModel, type SamplerSpec, type StepInfo, sample } from '../diffusion/samplers';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import type { ImageClassifier } from './classifier';
import { fitGaussian, frechetDistance, type GaussianFit } from './frechet';

export const CONFIDENT = 0.9;

export interface ClassifierReadout {
  /** count x featureDim. */
  features: Float32Array;
  /** Argmax class per image. */
  predicted: Int32Array;
  /** Max softmax probability per image. */
  confidence: Float32Array;
}

/**
 * Runs the classifier over `count` NHWC images in [0, 1], in batches of 256. With `control`, it reports
 * (images done, count) and checks for cancellation between batches (throwing JobCancelledError, no tensor
 * left behind).
 */
export async function readClassifier(
  clf: ImageClassifier,
  images: Float32Array,
  count: number,
  control?: JobControl,
): Promise<ClassifierReadout> {
  const [c, h, w] = clf.config.imageShape;
  const size = h * w * c;
  const dim = clf.config.featureDim;
  const features = new Float32Array(count * dim);
  const predicted = new Int32Array(count);
  const confidence = new Float32Array(count);
  for (let i = 0; i < count; i += 256) {
    if (control?.signal) {
      // Lets a cancel message arrive between batches (a worker's data() may resolve without yielding).
      await yieldToEventLoop();
      throwIfCancelled(control.signal);
    }
    const n = Math.min(256, count - i);
    const [f, p, m] = tf.tidy(() => {
      const x = tf.tensor4d(images.subarray(i * size, (i + n) * size), [n, h, w, c]);
      const out = clf.forward(x);
      const probs = tf.softmax(out.logits);
      return [out.features, tf.argMax(probs, 1), tf.max(probs, 1)];
    });
    features.set((await f.data()) as Float32Array, i * dim);
    predicted.set((await p.data()) as Int32Array, i);
    confidence.set((await m.data()) as Float32Array, i);
    tf.dispose([f, p, m]);
    control?.onProgress?.(i + n, count);
  }
  return { features, predicted, confidence };
}

export interface SampleQuality {
  count: number;
  /** Fréchet distance of classifier features to the reference (real test) images. */
  classifierFid: number;
  /** Fraction of images whose top class has probability ≥ 0.9. */
  confidentFraction: number;
  /** Fraction of images per predicted class. */
  classFractions: number[];
}

export function referenceFit(r: ClassifierReadout, dim: number): GaussianFit {
  return fitGaussian(r.features, r.predicted.length, dim);
}

export function sampleQuality(r: ClassifierReadout, reference: GaussianFit, classes: number): SampleQuality {
  const n = r.predicted.length;
  const counts = new Array<number>(classes).fill(0);
  let confident = 0;
  for (let i = 0; i < n; i++) {
    counts[r.predicted[i]]++;
    if (r.confidence[i] >= CONFIDENT) confident++;
  }
  return {
    count: n,
    classifierFid: frechetDistance(fitGaussian(r.features, n, reference.dim), reference),
    confidentFraction: confident / n,
    classFractions: counts.map((c) => c / n),
  };
}

export interface DrawSamplesOptions {
  model: EpsModel;
  sampler: SamplerSpec;
  /** Images to draw. */
  count: number;
  /** Images per sampler call; the last call draws the remainder. */
  batch: number;
  /** Batch k (starting at image i = k * batch) is sampled with seed `seed + i`, as `npm run evaluate` does. */
  seed: number;
  /** Cancellation between (and inside) sampler calls. */
  signal?: AbortSignal;
  /** After every sampler step: the images drawn before this batch, the batch size, and the step. */
  onStep?: (imagesBefore: number, batch: number, info: StepInfo) => void | Promise<void>;
}

/**
 * Draws `count` samples in batches and returns them as NHWC float32 in [0, 1] ((x + 1) / 2, clipped): what
 * `readClassifier` scores. Leaves no tensor behind, also when cancelled.
 */
export async function drawSamples(options: DrawSamplesOptions): Promise<Float32Array> {
  const { model, count, signal, onStep } = options;
  const batch = Math.max(1, Math.min(options.batch, count));
  const [c, h, w] = model.imageShape;
  const size = h * w * c;
  const images = new Float32Array(count * size);
  for (let i = 0; i < count; i += batch) {
    throwIfCancelled(signal);
    const b = Math.min(batch, count - i);
    images.set(
      await drawSampleBatch({ ...options, onStep: onStep && ((_, bb, info) => onStep(i, bb, info)) }, i, b),
      i * size,
    );
  }
  return images;
}

/**
 * Images [first, first + size) of `drawSamples(options)`: a batch is a function of its first index alone
 * (seed + first), so batches can be drawn in any order or on other threads. `onStep` gets 0 as the
 * images-before count.
 */
export async function drawSampleBatch(
  options: Omit<DrawSamplesOptions, 'count' | 'batch'>,
  first: number,
  size: number,
): Promise<Float32Array> {
  const { model, sampler, seed, signal, onStep } = options;
  const x = await sample({
    model,
    sampler,
    batch: size,
    seed: seed + first,
    control: { signal },
    onStep: onStep && ((info) => onStep(0, size, info)),
  });
  const unit = tf.tidy(() => tf.clipByValue(tf.div(tf.add(x, 1), 2), 0, 1));
  x.dispose();
  try {
    return (await unit.data()) as Float32Array;
  } finally {
    unit.dispose();
  }
}
