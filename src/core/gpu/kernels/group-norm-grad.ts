/**
 * The backward pass of the fused GroupNorm (+ optional SiLU). On the cpu and wasm backends it is one kernel
 * of its own (WebAssembly SIMD, or `groupNormGradReference` where SIMD is missing or C % 4 != 0): the tf-ops
 * composition below launched ~20 element-wise kernels per norm there. Elsewhere (webgpu, webgl) it is
 * composed from tf ops, which stay on the GPU. With x̂ = (x - mean) * invStd per (sample, group) slice and
 * u = x̂ * gamma + beta:
 *   dL/du    = dy, times SiLU'(u) = s * (1 + u * (1 - s)) with s = sigmoid(u) when fused;
 *   dL/dbeta = Σ dL/du,  dL/dgamma = Σ dL/du * x̂  (over N, H, W);
 *   dL/dx    = invStd * (g - mean(g) - x̂ * mean(g * x̂)) with g = dL/du * gamma, means over each slice.
 */
import * as tf from '@tensorflow/tfjs';
import { readHostInputs, writeHostTensor } from './custom-kernel';
import { groupNormGradReference } from './group-norm-grad-reference';
import type { GroupNormAttrs } from './group-norm-reference';
import { groupNormGradSimd } from './group-norm-wasm';

export const GROUP_NORM_GRAD_KERNEL = 'DdaeGroupNormGrad';

/** The backends whose tensors live in host memory: the fused gradient kernel runs there. */
export const FUSED_GRAD_BACKENDS: readonly string[] = ['cpu', 'wasm'];

/** Registers the fused gradient kernel (inputs x, gamma, beta, dy; outputs dx, dgamma, dbeta). Idempotent. */
export function registerGroupNormGradKernel(): void {
  for (const backendName of FUSED_GRAD_BACKENDS) {
    if (tf.getKernel(GROUP_NORM_GRAD_KERNEL, backendName)) continue;
    tf.registerKernel({ kernelName: GROUP_NORM_GRAD_KERNEL, backendName, kernelFunc: runFusedGrad });
  }
}

function runFusedGrad(args: Parameters<tf.KernelFunc>[0]): tf.TensorInfo[] {
  const [x, gamma, beta, dy] = readHostInputs(
    { kernelName: GROUP_NORM_GRAD_KERNEL, inputNames: ['x', 'gamma', 'beta', 'dy'] },
    args,
  );
  const [n, h, w, c] = x.shape;
  const inputs = [
    x.values,
    dy.values,
    [n, h, w, c],
    gamma.values,
    beta.values,
    args.attrs as GroupNormAttrs,
  ] as const;
  const grads = groupNormGradSimd(...inputs) ?? groupNormGradReference(...inputs);
  const backend = args.backend as tf.KernelBackend;
  return [
    writeHostTensor(backend, { shape: x.shape, values: grads.dx }),
    writeHostTensor(backend, { shape: [c], values: grads.dgamma }),
    writeHostTensor(backend, { shape: [c], values: grads.dbeta }),
  ];
}

export function groupNormGradConfig(kernelName: string): tf.GradConfig {
  return {
    kernelName,
    inputsToSave: ['x', 'gamma', 'beta'],
    gradFunc: (dy, saved, rawAttrs) => {
      const { groups, eps, silu } = rawAttrs as GroupNormAttrs;
      const [x, gamma, beta] = saved;
      if (tf.getKernel(GROUP_NORM_GRAD_KERNEL, tf.getBackend())) {
        const [dx, dgamma, dbeta] = tf
          .engine()
          .runKernel(
            GROUP_NORM_GRAD_KERNEL,
            { x, gamma, beta, dy: dy as tf.Tensor },
            rawAttrs,
          ) as tf.Tensor[];
        return { x: () => dx, gamma: () => dgamma, beta: () => dbeta };
      }
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
