import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Rng } from './random';
import { shortestPathDistance } from './shortest-path';
import {
  alignedTripletLosses,
  crossEntropy,
  diagonalSumTf,
  euclideanDistanceMatrix,
  hardExampleMining,
  marginRankingLoss,
  pairedAlignedDistance,
  pairedStripeDistances,
  selectRows,
  shortestPathTf,
} from './triplet-loss';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const random = (shape: number[], seed: number, scale = 1) => {
  const rng = new Rng(seed);
  return tf.tensor(
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => scale * rng.normal()),
    shape,
  );
};

describe('AlignedReID losses as tf ops', () => {
  it('the unrolled shortest path equals the CPU reference DP', () => {
    const d = tf.abs(random([5, 8, 8], 1)) as tf.Tensor3D;
    const got = shortestPathTf(d).arraySync();
    const values = d.arraySync();
    values.forEach((m, i) => {
      expect(got[i]).toBeCloseTo(shortestPathDistance(m.flat(), 8), 5);
    });
    const diag = diagonalSumTf(d).arraySync();
    values.forEach((m, i) => {
      expect(diag[i]).toBeCloseTo(
        m.reduce((s, row, k) => s + row[k], 0),
        5,
      );
    });
  });

  it('stripe distances are tanh(||f - g|| / 2), finite for huge features', () => {
    const a = random([2, 4, 16], 2) as tf.Tensor3D;
    const b = random([2, 4, 16], 3) as tf.Tensor3D;
    const d = pairedStripeDistances(a, b).arraySync();
    const av = a.arraySync();
    const bv = b.arraySync();
    const x = Math.hypot(...av[1][2].map((v, k) => v - bv[1][3][k]));
    expect(d[1][2][3]).toBeCloseTo(Math.tanh(x / 2), 5);
    const huge = pairedAlignedDistance(tf.mul(a, 1e6) as tf.Tensor3D, b).arraySync();
    for (const v of huge) expect(v).toBeCloseTo(4 + 4 - 1, 4); // 2H-1 cells, each tanh(large) = 1
  });

  it('mines the farthest positive and the nearest negative', () => {
    // Points on a line: labels 0 0 1 1.
    const x = tf.tensor2d([[0], [1], [1.5], [5]]);
    const dist = euclideanDistanceMatrix(x);
    const { pos, neg } = hardExampleMining(dist, tf.tensor1d([0, 0, 1, 1], 'int32'));
    expect(tf.argMax(pos, 1).arraySync()).toEqual([1, 0, 3, 2]);
    expect(tf.argMax(neg, 1).arraySync()).toEqual([2, 2, 1, 1]);
    expect(selectRows(pos, x).arraySync()).toEqual([[1], [0], [5], [1.5]]);
    // d_ap = [1, 1, 3.5, 3.5], d_an = [1.5, 0.5, 0.5, 3.5]; margin 0.3.
    const loss = marginRankingLoss(
      tf.tensor1d([1, 1, 3.5, 3.5]),
      tf.tensor1d([1.5, 0.5, 0.5, 3.5]),
      0.3,
    ).arraySync();
    expect(loss).toBeCloseTo((0 + 0.8 + 3.3 + 0.3) / 4, 6);
  });

  it('cross-entropy matches -log softmax', () => {
    const logits = tf.tensor2d([
      [1, 2, 3],
      [0, 0, 0],
    ]);
    const ce = crossEntropy(logits, tf.tensor1d([2, 0], 'int32')).arraySync();
    const l0 = -Math.log(Math.exp(3) / (Math.exp(1) + Math.exp(2) + Math.exp(3)));
    expect(ce).toBeCloseTo((l0 + Math.log(3)) / 2, 5);
  });

  it('gradients are finite, also for coincident features, and leave no tensors behind', () => {
    const n = 8;
    const g = tf.variable(random([n, 6], 4));
    // Two identical stripe sets: distance 0, where a plain sqrt would have an infinite gradient.
    const base = random([n, 4, 5], 5).arraySync() as number[][][];
    base[1] = base[0];
    const l = tf.variable(tf.tensor3d(base));
    const labels = tf.tensor1d([0, 0, 0, 0, 1, 1, 1, 1], 'int32');
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) {
      const { value, grads } = tf.variableGrads(() => {
        const t = alignedTripletLosses(g as tf.Tensor2D, l as tf.Tensor3D, labels, {
          global: 0.3,
          local: 0.3,
        });
        return tf.add(t.globalLoss, t.localLoss) as tf.Scalar;
      });
      expect(Number.isFinite(value.dataSync()[0])).toBe(true);
      for (const grad of Object.values(grads)) expect(grad.dataSync().every(Number.isFinite)).toBe(true);
      tf.dispose([value, ...Object.values(grads)]);
    }
    expect(tf.memory().numTensors).toBe(before);
  });
});
