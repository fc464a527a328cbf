/**
 * The UNet's primitive layers on NHWC tensors, each reading its parameters by official name. Only ops that
 * exist (with gradients) on the cpu, wasm and webgpu backends are used.
 */
import * as tf from '@tensorflow/tfjs';
import { groupNorm } from '../../gpu/kernels/group-norm';

/** Parameters by official name, in tfjs layouts. */
export type ParamLookup = ReadonlyMap<string, tf.Tensor>;

export function param<R extends tf.Rank>(params: ParamLookup, name: string): tf.Tensor<R> {
  const p = params.get(name);
  if (!p) throw new Error(`UNet: parameter "${name}" is missing`);
  return p as tf.Tensor<R>;
}

export const silu = <T extends tf.Tensor>(x: T): T => tf.mul(x, tf.sigmoid(x));

/**
 * Conv2d with bias. Stride 1 uses 'same' (symmetric for odd kernels, like PyTorch's padding=k//2). Stride 2
 * pads 1 on every side first and then convolves 'valid': tfjs's 'same' at stride 2 would pad only
 * bottom/right and shift every output pixel relative to a PyTorch checkpoint.
 */
export function conv2d(x: tf.Tensor4D, params: ParamLookup, name: string, stride: 1 | 2 = 1): tf.Tensor4D {
  const filter = param<tf.Rank.R4>(params, `${name}.weight`);
  const bias = param<tf.Rank.R1>(params, `${name}.bias`);
  if (stride === 2) {
    const padded = tf.pad(x, [
      [0, 0],
      [1, 1],
      [1, 1],
      [0, 0],
    ]);
    return tf.fused.conv2d({ x: padded, filter, bias, strides: 2, pad: 'valid' });
  }
  const pad = filter.shape[0] === 1 ? 'valid' : 'same';
  return tf.fused.conv2d({ x, filter, bias, strides: 1, pad });
}

/** Linear on [N, in] with tfjs weight [in, out]; `bias` false for bias-free layers (aug_emb). */
export function linear(x: tf.Tensor2D, params: ParamLookup, name: string, bias = true): tf.Tensor2D {
  const w = param<tf.Rank.R2>(params, `${name}.weight`);
  if (!bias) return tf.matMul(x, w) as tf.Tensor2D;
  return tf.fused.matMul({ a: x, b: w, bias: param<tf.Rank.R1>(params, `${name}.bias`) }) as tf.Tensor2D;
}

/** PyTorch GroupNorm(groups, C, eps=1e-5), optionally followed by SiLU (fused into the kernel). */
export function norm(x: tf.Tensor4D, params: ParamLookup, name: string, groups: number, withSilu: boolean) {
  return groupNorm(x, param(params, `${name}.weight`), param(params, `${name}.bias`), {
    groups,
    eps: 1e-5,
    silu: withSilu,
  });
}

/**
 * `F.interpolate(scale_factor=2, mode='nearest')`: every pixel repeated 2x2. Built from concat + reshape
 * rather than resizeNearestNeighbor, so it is exact and differentiable on every backend.
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  // [b, h, w, 2c] read as [b, h, 2w, c]: every pixel twice along the row.
  const cols = tf.reshape(tf.concat([x, x], 3), [b, h, w * 2, c]);
  // [b, h, 4w, c] read as [b, 2h, 2w, c]: every widened row twice.
  return tf.reshape(tf.concat([cols, cols], 2), [b, h * 2, w * 2, c]);
}

/** `AvgPool2d(2)`. */
export const avgPool2x = (x: tf.Tensor4D): tf.Tensor4D => tf.avgPool(x, 2, 2, 'valid');
