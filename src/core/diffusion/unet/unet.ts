/**
 * The official DDAE `UNet` (FutureXiang/ddae `model/unet.py`) as a Denoiser: NHWC inside, parameters under
 * their PyTorch state_dict names, decoder feature taps `out_1..out_N` (and, on request, encoder taps
 * `enc_1..enc_M` and `middle`) from the same pass.
 */
import * as tf from '@tensorflow/tfjs';
import { unwrap } from '../../result';
import type { Denoiser, DenoiserOutput, FeatureTap, ForwardOptions, ParamSpec } from '../denoiser';
import { attentionBlock } from './attention';
import { residualBlock, runStage } from './blocks';
import { type UNetConfig, validateUNetConfig } from './config';
import { conv2d, norm, silu } from './layers';
import { createParams, type ParamInit } from './params';
import { buildUNetPlan, type UNetPlan } from './plan';
import { planSpecs } from './specs';
import { timeEmbedding } from './time-embedding';

export interface UNetDenoiser extends Denoiser {
  readonly arch: 'unet';
  readonly config: UNetConfig;
  readonly plan: UNetPlan;
}

class UNet implements UNetDenoiser {
  readonly arch = 'unet' as const;
  readonly imageShape: readonly [number, number, number];
  readonly specs: readonly ParamSpec[];
  readonly plan: UNetPlan;
  private readonly variables: Map<string, tf.Variable>;
  private disposed = false;

  constructor(
    readonly config: UNetConfig,
    init: ParamInit,
    seed: number,
  ) {
    this.imageShape = [...config.imageShape] as [number, number, number];
    this.plan = buildUNetPlan(config);
    this.specs = planSpecs(this.plan);
    this.variables = createParams(this.specs, init, seed);
  }

  get params(): ReadonlyMap<string, tf.Variable> {
    return this.variables;
  }

  forward(x: tf.Tensor4D, t: tf.Tensor1D, options: ForwardOptions = {}): DenoiserOutput {
    this.checkInputs(x, t);
    const wantTaps = options.taps ?? false;
    const wantExtra = wantTaps && (options.extraTaps ?? false);
    const drop = options.training ? this.config.dropout : 0;
    const { plan } = this;
    const P = this.variables;
    return tf.tidy(() => {
      // Every block's `time_emb` is Sequential(SiLU, Linear): the SiLU is the same for all, so do it once.
      const tAct = silu(timeEmbedding(t, P, plan.timeChannels));
      let h = conv2d(x, P, 'image_proj');
      const skips: tf.Tensor4D[] = [h];
      const taps: FeatureTap[] = [];
      const tap = (name: string, a: tf.Tensor4D) =>
        taps.push({ name, activation: a, pooled: tf.mean(a, [1, 2]) as tf.Tensor2D });
      for (const stage of plan.down) {
        h = runStage(stage, h, tAct, P, drop);
        if (wantExtra && stage.kind === 'resatt' && stage.tap) tap(stage.tap, h);
        skips.push(h);
      }
      h = residualBlock(h, tAct, plan.middle.res1, P, drop);
      h = attentionBlock(h, plan.middle.attn, P);
      h = residualBlock(h, tAct, plan.middle.res2, P, drop);
      if (wantExtra) tap('middle', h);
      for (const stage of plan.up) {
        if (stage.kind === 'resatt') {
          const skip = skips.pop();
          if (!skip) throw new Error('UNet: skip stack exhausted'); // the plan guarantees this never happens
          h = runStage(stage, tf.concat([h, skip], 3), tAct, P, drop); // torch.cat((x, s)): decoder tensor first
          if (wantTaps && stage.tap) tap(stage.tap, h);
        } else {
          h = runStage(stage, h, tAct, P, drop);
        }
      }
      const eps = conv2d(norm(h, P, 'norm', 8, true), P, 'final'); // GroupNorm(8), not 32
      return { eps, taps } as unknown as tf.TensorContainerObject;
    }) as unknown as DenoiserOutput;
  }

  private checkInputs(x: tf.Tensor4D, t: tf.Tensor1D): void {
    if (this.disposed) throw new Error('UNet: forward() after dispose()');
    const [c] = this.imageShape;
    const f = this.plan.sizeFactor;
    if (x.rank !== 4 || x.shape[3] !== c || x.shape[1] % f !== 0 || x.shape[2] % f !== 0) {
      throw new Error(
        `UNet: x must be NHWC [B, H, W, ${c}] with H and W multiples of ${f}, got [${x.shape}]`,
      );
    }
    if (x.dtype !== 'float32') throw new Error(`UNet: x must be float32, got ${x.dtype}`);
    if (t.rank !== 1 || t.shape[0] !== x.shape[0]) {
      throw new Error(`UNet: t must have shape [${x.shape[0]}] (one time per image), got [${t.shape}]`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
  }
}

/**
 * Builds the UNet for `config` (throws with every problem listed if it is invalid). `init` 'random' (and
 * 'official': the DDAE code keeps PyTorch's defaults) uses PyTorch's default initialisation from `seed`;
 * 'zeros' is a cheap placeholder for checkpoint weights.
 */
export function createUNet(config: UNetConfig, init: ParamInit = 'random', seed = 0): UNetDenoiser {
  return new UNet(unwrap(validateUNetConfig(config), 'createUNet'), init, seed);
}
