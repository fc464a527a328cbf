/**
 * The backward pass of the fused GroupNorm (+ optional SiLU), composed from tf ops so it runs on every
 * backend. With x̂ = (x - mean) * invStd per (sample, group) slice and u = x̂ * gamma + beta:
 *   dL/du    = dy, times SiLU'(u) = s * (1 + u * (1 - s)) with s = sigmoid(u) when fused;
 *   dL/dbeta = Σ dL/du,  dL/dgamma = Σ dL/du * x̂  (over N, H, W);
 *   dL/dx    = invStd * (g - mean(g) - x̂ * mean(g * x̂)) with g = dL/du * gamma, means over each slice.
 */
import * as tf from '@tensorflow/tfjs';
import type { GroupNormAttrs } from './group-norm-reference';

export function groupNormGradConfig(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x', 'gamma', 'beta'],
    gradFunc: (dy, saved, rawAttrs) => {
      const { groups, eps, silu } = rawAttrs as GroupNormAttrs;
      const [x, gamma, beta] = saved;
      const [batch, height, width, channels] = x.shape;
      // [N, H*W, G, C/G]: each slice is one n over axes 1 and 3.
      const grouped = [batch, height * width, groups, channels / groups];
      const perChannel = [1, 1, groups, channels / groups];
      const sliceAxes = [1, 3];
      const xs = tf.reshape(x, grouped);
      const gammas = tf.reshape(gamma, perChannel);
      const { mean, variance } = tf.moments(xs, sliceAxes, true);
      const invStd = tf.rsqrt(tf.add(variance, eps));
      const xHat = tf.mul(tf.sub(xs, mean), invStd);
      let dU = tf.reshape(dy as tf.Tensor, grouped);
      if (silu) {
        const u = tf.add(tf.mul(xHat, gammas), tf.reshape(beta, perChannel));
        const s = tf.sigmoid(u);
        dU = tf.mul(dU, tf.mul(s, tf.add(1, tf.mul(u, tf.sub(1, s)))));
      }
      return {
        x: () => {
          const g = tf.mul(dU, gammas);
          const centred = tf.sub(g, tf.mean(g, sliceAxes, true));
          const projected = tf.mul(xHat, tf.mean(tf.mul(g, xHat), sliceAxes, true));
          return tf.reshape(tf.mul(invStd, tf.sub(centred, projected)), x.shape);
        },
        gamma: () => tf.reshape(tf.sum(tf.mul(dU, xHat), [0, 1]), [channels]),
        beta: () => tf.reshape(tf.sum(dU, [0, 1]), [channels]),
      };
    },
  };
}
