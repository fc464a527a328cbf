/**
 * What the sample-quality job accepts, without tfjs: the UI checks a model and N against these before it
 * asks the worker (which checks again).
 */

/** The shipped scoring classifier reads MNIST-shaped images: [channels, height, width]. */
export const QUALITY_IMAGE_SHAPE: readonly [number, number, number] = [1, 28, 28];

/** A covariance needs at least two feature vectors; more than 1000 samples is a job for `npm run evaluate`. */
export const MIN_QUALITY_SAMPLES = 2;
export const MAX_QUALITY_SAMPLES = 1000;

/** Why a model of this image shape cannot be scored, or null when it can. */
export function qualityRefusal(imageShape: readonly number[]): string | null {
  if (imageShape.join('x') === QUALITY_IMAGE_SHAPE.join('x')) return null;
  return (
    `Sample quality needs a 1×28×28 (MNIST-shaped) model: the scoring classifier was trained on MNIST ` +
    `digits only, and this model draws ${imageShape.join('×')} images.`
  );
}

/** Why N samples cannot be scored, or null when they can. */
export function countRefusal(count: number): string | null {
  if (Number.isInteger(count) && count >= MIN_QUALITY_SAMPLES && count <= MAX_QUALITY_SAMPLES) return null;
  return `Choose between ${MIN_QUALITY_SAMPLES} and ${MAX_QUALITY_SAMPLES} samples (got ${count}).`;
}
