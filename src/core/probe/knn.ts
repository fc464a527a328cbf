/**
 * The kNN probe: cosine similarity between L2-normalised features, the k most similar training images
 * vote (one vote each; a tie goes to the class with the larger summed similarity). Similarities are
 * computed on the active backend in chunks of test rows, so a [test × train] matrix never exists whole.
 */
import * as tf from '@tensorflow/tfjs';
import { type JobControl, throwIfCancelled, yieldToEventLoop } from '../job';
import type { LabelledFeatures } from './linear-probe';
import type { KnnResult } from './types';

/** Test rows per similarity chunk: chunk × train floats on the device at a time. */
const CHUNK = 256;

export interface Neighbours {
  /** Row indices into the training features, most similar first, per query. */
  indices: Int32Array[];
  similarities: Float32Array[];
}

function normalizedRows(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => tf.div(x, tf.maximum(tf.norm(x, 'euclidean', 1, true), 1e-12)) as tf.Tensor2D);
}

/** The k nearest training rows (cosine) of every query row. */
export async function nearestNeighbours(
  train: { dim: number; data: Float32Array },
  queries: { dim: number; data: Float32Array },
  k: number,
  control: JobControl = {},
): Promise<Neighbours> {
  if (train.dim !== queries.dim) throw new Error(`train has ${train.dim} features, queries ${queries.dim}`);
  const dim = train.dim;
  const nTrain = train.data.length / dim;
  const nQuery = queries.data.length / dim;
  const kk = Math.min(k, nTrain);
  if (kk < 1) throw new Error('kNN needs at least one training image');
  const trainN = tf.tidy(() => normalizedRows(tf.tensor2d(train.data, [nTrain, dim])));
  const indices: Int32Array[] = [];
  const similarities: Float32Array[] = [];
  try {
    for (let start = 0; start < nQuery; start += CHUNK) {
      throwIfCancelled(control.signal);
      const rows = Math.min(CHUNK, nQuery - start);
      const { values, idx } = tf.tidy(() => {
        const q = normalizedRows(
          tf.tensor2d(queries.data.subarray(start * dim, (start + rows) * dim), [rows, dim]),
        );
        const sims = tf.matMul(q, trainN, false, true);
        const top = tf.topk(sims, kk, true);
        return { values: top.values, idx: top.indices };
      });
      const [v, i] = await Promise.all([values.data(), idx.data()]);
      tf.dispose([values, idx]);
      for (let r = 0; r < rows; r++) {
        indices.push(Int32Array.from(i.subarray(r * kk, (r + 1) * kk)));
        similarities.push(Float32Array.from(v.subarray(r * kk, (r + 1) * kk)));
      }
      control.onProgress?.(start + rows, nQuery);
      await yieldToEventLoop();
    }
  } finally {
    trainN.dispose();
  }
  return { indices, similarities };
}

/** One vote per neighbour; ties broken by summed similarity, then by the lower class index. */
export function vote(
  labels: Int32Array,
  neighbours: Int32Array,
  sims: Float32Array,
  classes: number,
): number {
  const votes = new Float64Array(classes);
  const simSum = new Float64Array(classes);
  neighbours.forEach((n, j) => {
    const y = labels[n];
    if (y < 0 || y >= classes) return;
    votes[y] += 1;
    simSum[y] += sims[j];
  });
  let best = 0;
  for (let c = 1; c < classes; c++) {
    if (votes[c] > votes[best] || (votes[c] === votes[best] && simSum[c] > simSum[best])) best = c;
  }
  return best;
}

export async function knnProbe(
  train: LabelledFeatures,
  test: LabelledFeatures,
  numClasses: number,
  k = 20,
  control: JobControl = {},
): Promise<KnnResult> {
  const nb = await nearestNeighbours(train, test, k, control);
  const predictions = Int32Array.from(nb.indices, (row, r) =>
    vote(train.labels, row, nb.similarities[r], numClasses),
  );
  let correct = 0;
  predictions.forEach((p, i) => {
    if (p === test.labels[i]) correct++;
  });
  return {
    accuracy: test.labels.length ? correct / test.labels.length : 0,
    predictions,
    k: Math.min(k, train.labels.length),
  };
}
