/**
 * The official `ResidualBlock` and the plain down/up-sampling layers, on NHWC.
 */
import * as tf from '@tensorflow/tfjs';
import { attentionBlock } from './attention';
import { avgPool2x, conv2d, linear, norm, type ParamLookup, upsampleNearest2x } from './layers';
import type { ResBlockPlan, StagePlan } from './plan';

/**
 * h = conv1(resample(SiLU(GN32(x)))) + Linear(SiLU(temb)); h = conv2(SiLU(GN32(h))); out = h + shortcut(x).
 * `tAct` is SiLU(temb), shared by every block (the `time_emb.0` SiLU of each block computes the same thing).
 * The time embedding is only an additive per-channel bias: the reference has no scale term.
 */
export function residualBlock(
  x: tf.Tensor4D,
  tAct: tf.Tensor2D,
  r: ResBlockPlan,
  params: ParamLookup,
  dropout = 0,
): tf.Tensor4D {
  const resample = r.resample === 'up' ? upsampleNearest2x : r.resample === 'down' ? avgPool2x : null;
  let h = norm(x, params, `${r.prefix}.norm1`, 32, true);
  const skip = resample ? resample(x) : x;
  if (resample) h = resample(h);
  h = conv2d(h, params, `${r.prefix}.conv1`);
  const timeBias = linear(tAct, params, `${r.prefix}.time_emb.1`);
  h = tf.add(h, tf.reshape(timeBias, [timeBias.shape[0], 1, 1, r.outChannels]));
  h = norm(h, params, `${r.prefix}.norm2`, 32, true);
  if (dropout > 0) h = tf.dropout(h, dropout) as tf.Tensor4D; // conv2.0 is Dropout: identity at inference
  h = conv2d(h, params, `${r.prefix}.conv2.1`);
  const shortcut = r.inChannels !== r.outChannels ? conv2d(skip, params, `${r.prefix}.shortcut`) : skip;
  return tf.add(h, shortcut);
}

/** One entry of `down` / `up` (a ResAttBlock's skip concatenation is done by the caller). */
export function runStage(
  s: StagePlan,
  x: tf.Tensor4D,
  tAct: tf.Tensor2D,
  params: ParamLookup,
  dropout = 0,
): tf.Tensor4D {
  switch (s.kind) {
    case 'resatt': {
      const h = residualBlock(x, tAct, s.res, params, dropout);
      return s.attn ? attentionBlock(h, s.attn, params) : h;
    }
    case 'conv-down':
      return conv2d(x, params, s.prefix, 2);
    case 'conv-up':
      return conv2d(upsampleNearest2x(x), params, s.prefix);
    case 'res-down':
    case 'res-up':
      return residualBlock(x, tAct, s.op, params, dropout);
  }
}
