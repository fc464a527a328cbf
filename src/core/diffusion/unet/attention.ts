/**
 * The official `AttentionBlock` on NHWC: GroupNorm(32) -> projection to per-head [q | k | v] -> softmax over
 * keys of (q d_k^-1/4)(k d_k^-1/4) -> weighted v -> output projection -> + x. Scaling q and k separately
 * (rather than the product by 1/sqrt(d_k)) follows the reference, which does it for float16 range.
 */
import * as tf from '@tensorflow/tfjs';
import { linear, norm, type ParamLookup } from './layers';
import type { AttnPlan } from './plan';

/** Reshapes to [b, m, n, width] and swaps the two middle axes. */
const swapMiddleAxes = (x: tf.Tensor, b: number, m: number, n: number, width: number): tf.Tensor4D =>
  tf.transpose(tf.reshape(x, [b, m, n, width]), [0, 2, 1, 3]);

export function attentionBlock(x: tf.Tensor4D, a: AttnPlan, params: ParamLookup): tf.Tensor4D {
  const [b, height, width, c] = x.shape;
  const seq = height * width;
  const { heads, headDim: dk } = a;
  const h = tf.reshape<tf.Rank.R2>(norm(x, params, `${a.prefix}.norm`, 32, false), [b * seq, c]);
  // `.view(B, seq, heads, 3 d_k)` then chunk: head i owns columns [3 d_k i, 3 d_k (i+1)) as q | k | v.
  const qkv = linear(h, params, `${a.prefix}.projection`);
  // [B*S, heads*3dk] -> [B*heads, S, 3dk]; with one head that is a plain reshape.
  const perHead =
    heads === 1
      ? tf.reshape<tf.Rank.R3>(qkv, [b, seq, 3 * dk])
      : tf.reshape<tf.Rank.R3>(swapMiddleAxes(qkv, b, seq, heads, 3 * dk), [b * heads, seq, 3 * dk]);
  const rows = perHead.shape[0];
  const scale = 1 / Math.sqrt(Math.sqrt(dk));
  const q = tf.mul(tf.slice(perHead, [0, 0, 0], [rows, seq, dk]), scale);
  const k = tf.mul(tf.slice(perHead, [0, 0, dk], [rows, seq, dk]), scale);
  const v = tf.slice(perHead, [0, 0, 2 * dk], [rows, seq, dk]);
  const weights = tf.softmax(tf.matMul(q, k, false, true)); // [rows, i, j], normalised over keys j
  const attended = tf.matMul(weights, v); // [rows, seq, d_k]
  // [B*heads, S, dk] -> [B*S, heads*dk], head-major within a position as `.reshape(B, -1, heads * d_k)`.
  const merged =
    heads === 1
      ? tf.reshape<tf.Rank.R2>(attended, [b * seq, dk])
      : tf.reshape<tf.Rank.R2>(swapMiddleAxes(attended, b, heads, seq, dk), [b * seq, heads * dk]);
  const out = linear(merged, params, `${a.prefix}.output`);
  return tf.add(tf.reshape(out, [b, height, width, c]), x);
}
