/**
 * The linear probe: softmax regression (one `nn.Linear(dim, classes)`, cross-entropy) on frozen features,
 * trained with Adam (no weight decay) and a cosine learning-rate schedule stepped per epoch, in shuffled
 * mini-batches, on the active tfjs backend. As the official `linear.py`, except that the features are
 * computed once (not re-noised every epoch) and may be standardised.
 *
 * The gradient of softmax cross-entropy is written out ((softmax - onehot) / B), so no autograd kernels are
 * needed on any backend. Only this cell's features are on the device while it trains.
 */
import * as tf from '@tensorflow/tfjs';
import { uniformValues } from '../diffusion/rng';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import type { EpochStats, LinearProbeResult, LinearProbeSettings } from './types';

export interface LabelledFeatures {
  dim: number;
  /** count * dim floats, row-major. */
  data: Float32Array;
  labels: Int32Array;
}

const BETA1 = 0.9;
const BETA2 = 0.999;
const EPS = 1e-8;

/**
 * Per-feature mean and scale from `train`: scale = 1 / sqrt(var + floor), where the floor (1% of the mean
 * variance) keeps a feature that barely varies (a border pixel) from being blown up.
 */
export function standardizer(train: LabelledFeatures): { mean: Float32Array; scale: Float32Array } {
  const { dim, data } = train;
  const n = data.length / dim;
  const mean = new Float64Array(dim);
  const sq = new Float64Array(dim);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) mean[j] += data[r * dim + j];
  }
  for (let j = 0; j < dim; j++) mean[j] /= Math.max(1, n);
  for (let r = 0; r < n; r++) {
    for (let j = 0; j < dim; j++) {
      const d = data[r * dim + j] - mean[j];
      sq[j] += d * d;
    }
  }
  let meanVar = 0;
  for (let j = 0; j < dim; j++) {
    sq[j] /= Math.max(1, n);
    meanVar += sq[j] / dim;
  }
  const floor = Math.max(1e-12, 0.01 * meanVar);
  return {
    mean: Float32Array.from(mean),
    scale: Float32Array.from(sq, (v) => 1 / Math.sqrt(v + floor)),
  };
}

function applyStandardizer(x: Float32Array, dim: number, s: { mean: Float32Array; scale: Float32Array }) {
  const out = new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) {
    const j = i % dim;
    out[i] = (x[i] - s.mean[j]) * s.scale[j];
  }
  return out;
}

/** A seeded permutation of 0..n-1. */
export function permutation(n: number, seed: number, stream: number): Int32Array {
  const keys = uniformValues(seed, stream, n, 21);
  return Int32Array.from(Array.from({ length: n }, (_, i) => i).sort((a, b) => keys[a] - keys[b] || a - b));
}

/** Cosine annealing to 0 over `epochs`, as PyTorch's CosineAnnealingLR(T_max=epochs) stepped per epoch. */
export const cosineLr = (lr: number, epoch: number, epochs: number) =>
  (lr * (1 + Math.cos((Math.PI * epoch) / epochs))) / 2;

export function confusionMatrix(truth: Int32Array, predicted: Int32Array, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  truth.forEach((y, i) => {
    if (y >= 0 && y < classes && predicted[i] >= 0 && predicted[i] < classes) m[y][predicted[i]]++;
  });
  return m;
}

export class ProbeDivergedError extends Error {
  constructor(epoch: number) {
    super(`the probe's loss became NaN or infinite in epoch ${epoch + 1}`);
    this.name = 'ProbeDivergedError';
  }
}

export async function trainLinearProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  settings: LinearProbeSettings,
  control: JobControl = {},
): Promise<LinearProbeResult> {
  const t0 = performance.now();
  const { dim } = train;
  if (test.dim !== dim) throw new Error(`train has ${dim} features per image, test ${test.dim}`);
  const nTrain = train.labels.length;
  const nTest = test.labels.length;
  if (train.data.length !== nTrain * dim || test.data.length !== nTest * dim) {
    throw new Error('features and labels disagree in count');
  }
  if (nTrain === 0) throw new Error('no training images');
  if (!(settings.epochs >= 1 && settings.lr > 0 && settings.batchSize >= 1)) {
    throw new Error('epochs, lr and batchSize must be positive');
  }
  const std = settings.standardize ? standardizer(train) : null;
  const trainX = std ? applyStandardizer(train.data, dim, std) : train.data;
  const testX = std ? applyStandardizer(test.data, dim, std) : test.data;

  const B = Math.min(settings.batchSize, nTrain);
  const stepsPerEpoch = Math.ceil(nTrain / B);
  // Kaiming-uniform init of nn.Linear, seeded: U(-1/sqrt(dim), 1/sqrt(dim)).
  const bound = 1 / Math.sqrt(dim);
  const w0 = uniformValues(settings.seed, 1, dim * numClasses, 22);
  const b0 = uniformValues(settings.seed, 2, numClasses, 22);

  // Inside tidy so the initial values and intermediates go; variables survive a tidy.
  const { X, Y, Xt, W, b, mW, vW, mb, vb, lossSum, correctSum } = tf.tidy(() => {
    const W = tf.variable(
      tf.tensor2d(
        Float32Array.from(w0, (u) => (2 * u - 1) * bound),
        [dim, numClasses],
      ),
    );
    const b = tf.variable(tf.tensor1d(Float32Array.from(b0, (u) => (2 * u - 1) * bound)));
    return {
      X: tf.tensor2d(trainX, [nTrain, dim]),
      Y: tf.oneHot(tf.tensor1d(train.labels, 'int32'), numClasses).toFloat(),
      Xt: tf.tensor2d(testX, [nTest, dim]),
      W,
      b,
      mW: tf.variable(tf.zerosLike(W)),
      vW: tf.variable(tf.zerosLike(W)),
      mb: tf.variable(tf.zerosLike(b)),
      vb: tf.variable(tf.zerosLike(b)),
      lossSum: tf.variable(tf.scalar(0)),
      correctSum: tf.variable(tf.scalar(0)),
    };
  });
  const owned: tf.Tensor[] = [X, Y, Xt, W, b, mW, vW, mb, vb, lossSum, correctSum];

  const predictTest = () => tf.tidy(() => tf.argMax(tf.add(tf.matMul(Xt, W), b), 1).toInt()) as tf.Tensor1D;

  const curve: EpochStats[] = [];
  let step = 0;
  try {
    for (let epoch = 0; epoch < settings.epochs; epoch++) {
      const lr = cosineLr(settings.lr, epoch, settings.epochs);
      const order = permutation(nTrain, settings.seed, 1000 + epoch);
      tf.tidy(() => {
        lossSum.assign(tf.zerosLike(lossSum));
        correctSum.assign(tf.zerosLike(correctSum));
      });
      for (let s = 0; s < stepsPerEpoch; s++) {
        throwIfCancelled(control.signal);
        const idx = order.subarray(s * B, Math.min(nTrain, (s + 1) * B));
        step += 1;
        const bc1 = 1 - BETA1 ** step;
        const bc2 = 1 - BETA2 ** step;
        tf.tidy(() => {
          const ids = tf.tensor1d(idx, 'int32');
          const xb = tf.gather(X, ids);
          const yb = tf.gather(Y, ids);
          const logits = tf.add(tf.matMul(xb, W), b);
          const logp = tf.logSoftmax(logits);
          const g = tf.div(tf.sub(tf.exp(logp), yb), idx.length);
          const gW = tf.matMul(xb, g, true, false);
          const gb = tf.sum(g, 0);
          lossSum.assign(tf.sub(lossSum, tf.sum(tf.mul(yb, logp))));
          correctSum.assign(
            tf.add(correctSum, tf.sum(tf.equal(tf.argMax(logits, 1), tf.argMax(yb, 1)).toFloat())),
          );
          const update = (p: tf.Variable, m: tf.Variable, v: tf.Variable, grad: tf.Tensor) => {
            m.assign(tf.add(tf.mul(m, BETA1), tf.mul(grad, 1 - BETA1)));
            v.assign(tf.add(tf.mul(v, BETA2), tf.mul(tf.square(grad), 1 - BETA2)));
            const mHat = tf.div(m, bc1);
            const vHat = tf.div(v, bc2);
            p.assign(tf.sub(p, tf.mul(tf.div(mHat, tf.add(tf.sqrt(vHat), EPS)), lr)));
          };
          update(W, mW, vW, gW);
          update(b, mb, vb, gb);
        });
      }
      const pred = predictTest();
      const [loss, correct, predicted] = await Promise.all([
        lossSum.data(),
        correctSum.data(),
        pred.data() as Promise<Int32Array>,
      ]);
      pred.dispose();
      if (!Number.isFinite(loss[0])) throw new ProbeDivergedError(epoch);
      let testCorrect = 0;
      predicted.forEach((p, i) => {
        if (p === test.labels[i]) testCorrect++;
      });
      curve.push({
        epoch: epoch + 1,
        lr,
        loss: loss[0] / nTrain,
        trainAccuracy: correct[0] / nTrain,
        testAccuracy: nTest ? testCorrect / nTest : 0,
      });
      control.onProgress?.(epoch + 1, settings.epochs);
      await yieldToEventLoop();
    }
    const pred = predictTest();
    const predictions = Int32Array.from((await pred.data()) as Int32Array);
    pred.dispose();
    const last = curve[curve.length - 1];
    return {
      testAccuracy: last.testAccuracy,
      trainAccuracy: last.trainAccuracy,
      curve,
      confusion: confusionMatrix(test.labels, predictions, numClasses),
      predictions,
      ms: performance.now() - t0,
    };
  } finally {
    tf.dispose(owned);
  }
}
