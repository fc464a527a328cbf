/**
 * One sampling update on tensors, given the network's eps: the formula of coefficients.ts as one tf.tidy,
 * so that a fused WGSL kernel can later replace exactly this function.
 */
import * as tf from '@tensorflow/tfjs';
import type { StepCoefficients } from './coefficients';

export interface UpdateResult {
  /** The clipped x0 prediction. */
  x0: tf.Tensor4D;
  /** The state at t_next. */
  xNext: tf.Tensor4D;
}

/**
 * x0 = clip((x - sqrtmab*eps)/sqrtab), eps' = (x - sqrtab*x0)/sqrtmab,
 * x_next = cx*x + cx0*x0 + ceps*eps' + cz*z. Inputs are left alone; the caller owns both outputs.
 * `z` is required when `c.cz` is nonzero and ignored otherwise.
 */
export function denoiseUpdate(
  x: tf.Tensor4D,
  eps: tf.Tensor4D,
  c: StepCoefficients,
  z?: tf.Tensor4D,
): UpdateResult {
  if (c.cz !== 0 && !z) throw new Error(`The step ${c.t} -> ${c.tNext} needs noise z (cz = ${c.cz}).`);
  return tf.tidy(() => {
    // Same operation order as the official pred_eps_ and update lines, so float32 rounding agrees.
    const x0 = tf.clipByValue(tf.div(tf.sub(x, tf.mul(eps, c.sqrtmab)), c.sqrtab), -1, 1) as tf.Tensor4D;
    const epsClipped = tf.div(tf.sub(x, tf.mul(x0, c.sqrtab)), c.sqrtmab);
    const terms: tf.Tensor[] = [];
    if (c.cx !== 0) terms.push(tf.mul(x, c.cx));
    if (c.cx0 !== 0) terms.push(tf.mul(x0, c.cx0));
    if (c.ceps !== 0) terms.push(tf.mul(epsClipped, c.ceps));
    if (c.cz !== 0 && z) terms.push(tf.mul(z, c.cz));
    // Left to right, like ((a*x0 + b*eps) + c*z) in the official line.
    const xNext = (terms.length > 0 ? terms.reduce((a, b) => tf.add(a, b)) : tf.zerosLike(x)) as tf.Tensor4D;
    return { x0, xNext };
  });
}
