/**
 * What every diffusion network in the app is to the rest of the code (samplers, probes, checkpoints,
 * training): a noise predictor with named parameters and optional feature taps.
 */
import type * as tf from '@tensorflow/tfjs';

/** How a parameter's PyTorch layout maps to the tfjs one. */
export type ParamLayout =
  /** Conv2d weight: PyTorch [out, in, kh, kw] -> tfjs [kh, kw, in, out]. */
  | 'conv'
  /** Linear weight: PyTorch [out, in] -> tfjs [in, out]. */
  | 'linear'
  /** Same layout in both (biases, norms, embeddings). */
  | 'plain';

export interface ParamSpec {
  /** The official PyTorch state_dict name, e.g. `down.3.res.conv2.1.weight`. */
  name: string;
  /** Shape in PyTorch layout, as in the official state_dict. */
  torchShape: number[];
  layout: ParamLayout;
}

export interface FeatureTap {
  /** The official hook name: `out_1` ... `out_N` for the UNet decoder, `layer-0` ... for DiT blocks. */
  name: string;
  /** The block output: NHWC [B, H, W, C] for the UNet, [B, tokens, hidden] for DiT. */
  activation: tf.Tensor;
  /** Global average pool over space (UNet) or mean over tokens (DiT): [B, C]. */
  pooled: tf.Tensor2D;
}

export interface DenoiserOutput {
  /** The predicted noise, NHWC like the input. */
  eps: tf.Tensor4D;
  /** Empty unless taps were asked for. */
  taps: FeatureTap[];
}

export interface ForwardOptions {
  /** Also return the feature taps (no extra pass). */
  taps?: boolean;
  /** With `taps`, also the optional extra taps (the UNet's encoder blocks and middle block). */
  extraTaps?: boolean;
  /** Training mode: dropout where the architecture has it (the UNet's `conv2.0`). */
  training?: boolean;
}

export interface Denoiser {
  readonly arch: 'unet' | 'dit';
  /** [channels, height, width], as the official configs write `image_shape`. */
  readonly imageShape: readonly [number, number, number];
  /** Every parameter, in state_dict order, with its PyTorch shape and layout. */
  readonly specs: readonly ParamSpec[];
  /** The parameters under their official names, in tfjs layouts. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /**
   * One network evaluation. `x` is NHWC in the model's [-1, 1] space; `t` is the network's time input, one
   * per image (t/1000 for DDPM). Call inside tf.tidy or dispose the outputs.
   */
  forward(x: tf.Tensor4D, t: tf.Tensor1D, options?: ForwardOptions): DenoiserOutput;
  dispose(): void;
}
