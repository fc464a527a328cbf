/**
 * How good generated samples are, judged by the scoring classifier: the Fréchet distance between its
 * features of the samples and of real test images, the fraction it classifies with confidence ≥ 0.9, and
 * the class histogram (a model that draws only ones would score well on confidence alone).
 */
import * as tf from '@tensorflow/tfjs';
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

/** Runs the classifier over `count` NHWC images in [0, 1], in batches. */
export async function readClassifier(
  clf: ImageClassifier,
  images: Float32Array,
  count: number,
): Promise<ClassifierReadout> {
  const [c, h, w] = clf.config.imageShape;
  const size = h * w * c;
  const dim = clf.config.featureDim;
  const features = new Float32Array(count * dim);
  const predicted = new Int32Array(count);
  const confidence = new Float32Array(count);
  for (let i = 0; i < count; i += 256) {
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
