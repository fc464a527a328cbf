/**
 * AlignedReID's training losses as differentiable tfjs ops (huanghoujing aligned_reid/model/loss.py):
 * - the batch's Euclidean global distance matrix;
 * - batch-hard mining on it: per anchor the farthest positive and the nearest negative (Hermans et al.);
 * - the triplet (margin ranking) loss mean(max(0, d_ap - d_an + margin)) applied to the global distances of
 *   those pairs and to the aligned local distances of the same pairs (the paper mines with the global
 *   distance only);
 * - the aligned local distance of paired stripe sets: d_ij = tanh(||f_i - g_j|| / 2) (the paper's
 *   (e^x - 1)/(e^x + 1) without its float32 overflow), then the shortest path from (0, 0) to (H-1, H-1)
 *   with right/down moves, unrolled over the H x H cells with tf.minimum so that autograd sees it.
 * Every op here has a gradient on the cpu, wasm and webgpu backends; picking rows goes through one-hot
 * matrix products, since wasm lacks UnsortedSegmentSum (the gradient of tf.gather).
 */
import * as tf from '@tensorflow/tfjs';

/** sqrt(max(x, 1e-12)), as torch's `dist.clamp(min=1e-12).sqrt()`: finite gradient at coincident points. */
const safeSqrt = (x: tf.Tensor): tf.Tensor => tf.sqrt(tf.maximum(x, 1e-12));

/** [N, N] Euclidean distances between the rows of x [N, D]. */
export function euclideanDistanceMatrix(x: tf.Tensor2D): tf.Tensor2D {
  return tf.tidy(() => {
    const sq = tf.sum(tf.square(x), 1, true); // [N, 1]
    const gram = tf.matMul(x, x, false, true);
    return safeSqrt(tf.sub(tf.add(sq, tf.transpose(sq)), tf.mul(gram, 2))) as tf.Tensor2D;
  });
}

/**
 * The hardest positive and hardest negative of every anchor under `dist` [N, N], as one-hot rows [N, N]
 * (float32). Positives include the anchor itself (distance 0), as in the reproductions.
 */
export function hardExampleMining(
  dist: tf.Tensor2D,
  labels: tf.Tensor1D,
): { pos: tf.Tensor2D; neg: tf.Tensor2D } {
  return tf.tidy(() => {
    const n = dist.shape[0];
    const same = tf.cast(tf.equal(tf.expandDims(labels, 1), tf.expandDims(labels, 0)), 'float32');
    const big = 1e9;
    // Masked arg-max/arg-min: non-candidates are pushed out of reach.
    const ap = tf.argMax(tf.sub(dist, tf.mul(tf.sub(1, same), big)), 1);
    const an = tf.argMin(tf.add(dist, tf.mul(same, big)), 1);
    return {
      pos: tf.cast(tf.oneHot(ap, n), 'float32') as tf.Tensor2D,
      neg: tf.cast(tf.oneHot(an, n), 'float32') as tf.Tensor2D,
    };
  });
}

/** Row i of the result is the row of `x` that `oneHot` row i selects (a differentiable gather). */
export function selectRows<T extends tf.Tensor>(oneHot: tf.Tensor2D, x: T): T {
  return tf.tidy(() => {
    const flat = tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    return tf.reshape(tf.matMul(oneHot, flat), [oneHot.shape[0], ...x.shape.slice(1)]) as T;
  });
}

/** The [N, H, H] element-wise stripe distances tanh(||a_i - b_j|| / 2) of paired stripe sets [N, H, C]. */
export function pairedStripeDistances(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor3D {
  return tf.tidy(() => {
    const aa = tf.sum(tf.square(a), 2, true); // [N, H, 1]
    const bb = tf.transpose(tf.sum(tf.square(b), 2, true), [0, 2, 1]); // [N, 1, H]
    const ab = tf.matMul(a, b, false, true); // [N, H, H]
    const d = safeSqrt(tf.sub(tf.add(aa, bb), tf.mul(ab, 2)));
    return tf.tanh(tf.mul(d, 0.5)) as tf.Tensor3D;
  });
}

/**
 * Shortest-path sums S[H-1, H-1] of [N, H, H] cost matrices, S[i][j] = min(S[i-1][j], S[i][j-1]) + d[i][j]:
 * H^2 small ops over the batch, which is what the reproductions' autograd does too.
 */
export function shortestPathTf(d: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const [n, h, w] = d.shape;
    // Cells as [N] vectors, row-major: one split instead of H^2 slices.
    const cells = tf.unstack(tf.transpose(tf.reshape(d, [n, h * w])));
    let prev: tf.Tensor[] = [];
    for (let i = 0; i < h; i++) {
      const row: tf.Tensor[] = [];
      for (let j = 0; j < w; j++) {
        const c = cells[i * w + j];
        if (i === 0 && j === 0) row.push(c);
        else if (i === 0) row.push(tf.add(row[j - 1], c));
        else if (j === 0) row.push(tf.add(prev[0], c));
        else row.push(tf.add(tf.minimum(prev[j], row[j - 1]), c));
      }
      prev = row;
    }
    return prev[w - 1] as tf.Tensor1D;
  });
}

/** The unaligned baseline of paired cost matrices: the diagonal sum of [N, H, H]. */
export function diagonalSumTf(d: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => {
    const h = d.shape[1];
    return tf.sum(tf.mul(d, tf.eye(h).expandDims(0)), [1, 2]) as tf.Tensor1D;
  });
}

/** Aligned local distances between paired stripe sets a[i], b[i] ([N, H, C] each): [N]. */
export function pairedAlignedDistance(a: tf.Tensor3D, b: tf.Tensor3D): tf.Tensor1D {
  return tf.tidy(() => shortestPathTf(pairedStripeDistances(a, b)));
}

/** mean(max(0, d_ap - d_an + margin)): PyTorch's MarginRankingLoss(margin)(d_an, d_ap, 1). */
export function marginRankingLoss(dAp: tf.Tensor1D, dAn: tf.Tensor1D, margin: number): tf.Scalar {
  return tf.tidy(() => tf.mean(tf.relu(tf.add(tf.sub(dAp, dAn), margin))) as tf.Scalar);
}

/** Mean softmax cross-entropy of logits [N, K] against integer labels [N]. */
export function crossEntropy(logits: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  return tf.tidy(() => {
    const onehot = tf.cast(tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]), 'float32');
    return tf.neg(tf.mean(tf.sum(tf.mul(onehot, tf.logSoftmax(logits)), 1))) as tf.Scalar;
  });
}

export interface AlignedTripletTerms {
  globalLoss: tf.Scalar;
  localLoss: tf.Scalar;
  /** Mean d_ap and d_an of the mined pairs, global and local: what the margins act on. */
  globalAp: tf.Scalar;
  globalAn: tf.Scalar;
  localAp: tf.Scalar;
  localAn: tf.Scalar;
}

/** Both triplet losses of AlignedReID for one batch, mined with the global distance. */
export function alignedTripletLosses(
  global: tf.Tensor2D,
  local: tf.Tensor3D,
  labels: tf.Tensor1D,
  margins: { global: number; local: number },
): AlignedTripletTerms {
  return tf.tidy(() => {
    const dist = euclideanDistanceMatrix(global);
    const { pos, neg } = hardExampleMining(dist, labels);
    const gAp = tf.sum(tf.mul(dist, pos), 1) as tf.Tensor1D;
    const gAn = tf.sum(tf.mul(dist, neg), 1) as tf.Tensor1D;
    const lAp = pairedAlignedDistance(local, selectRows(pos, local));
    const lAn = pairedAlignedDistance(local, selectRows(neg, local));
    return {
      globalLoss: marginRankingLoss(gAp, gAn, margins.global),
      localLoss: marginRankingLoss(lAp, lAn, margins.local),
      globalAp: tf.mean(gAp),
      globalAn: tf.mean(gAn),
      localAp: tf.mean(lAp),
      localAn: tf.mean(lAn),
    } as unknown as tf.TensorContainerObject;
  }) as unknown as AlignedTripletTerms;
}
