/**
 * The AlignedReID network on NHWC tensors: a small ResNet backbone and the huanghoujing reproduction's heads
 * (aligned_reid/model/Model.py):
 *   global = mean over the final map's H and W                         [B, C]
 *   local  = mean over W (horizontal pooling into H stripes) -> 1x1 conv (bias) -> BN -> ReLU, per stripe
 *            L2-normalised when configured                              [B, H, 128]
 *   logits = fc(global), when numClasses > 0                            [B, classes]
 * Layers are functions over a map of tf.Variables named like the PyTorch state_dict, as the UNet does.
 * BatchNorm has two modes: training normalises with the batch's statistics and reports them so the caller
 * can update the running averages (PyTorch's momentum 0.1, unbiased variance); evaluation uses the running
 * statistics.
 */
import * as tf from '@tensorflow/tfjs';
import type { ParamSpec } from '../diffusion/denoiser';
import { sizeOf, tfShapeOf } from '../io/torch-layout';
import {
  type BlockPlan,
  isBuffer,
  type ReidModelConfig,
  reidBlocks,
  reidMapShape,
  reidSpecs,
  validateReidConfig,
} from './model-config';
import { mulberry32 } from './random';

export const BN_EPS = 1e-5;
export const BN_MOMENTUM = 0.1;

export interface BatchStats {
  mean: tf.Tensor1D;
  variance: tf.Tensor1D;
  /** Values per channel the statistics were taken over (for the unbiased running variance). */
  count: number;
}

export interface ReidOutput {
  global: tf.Tensor2D;
  local: tf.Tensor3D;
  logits: tf.Tensor2D | null;
}

export interface ReidForwardOptions {
  training?: boolean;
  /** Training mode only: receives each BN layer's batch statistics (tensors the caller must dispose). */
  onBatchStats?: (name: string, stats: BatchStats) => void;
}

type Params = ReadonlyMap<string, tf.Variable>;

function param<R extends tf.Rank>(params: Params, name: string): tf.Tensor<R> {
  const p = params.get(name);
  if (!p) throw new Error(`ReID model: parameter "${name}" is missing`);
  return p as unknown as tf.Tensor<R>;
}

function conv(x: tf.Tensor4D, params: Params, name: string, stride: 1 | 2): tf.Tensor4D {
  const w = param<tf.Rank.R4>(params, `${name}.weight`);
  const k = w.shape[0];
  if (k === 1) return tf.conv2d(x, w, stride, 'valid');
  // PyTorch's padding=1 is symmetric; tfjs 'same' at stride 2 pads only bottom/right.
  const p = (k - 1) / 2;
  const padded = tf.pad(x, [
    [0, 0],
    [p, p],
    [p, p],
    [0, 0],
  ]);
  return tf.conv2d(padded, w, stride, 'valid');
}

function batchNorm(x: tf.Tensor, params: Params, name: string, options: ReidForwardOptions): tf.Tensor {
  const gamma = param<tf.Rank.R1>(params, `${name}.weight`);
  const beta = param<tf.Rank.R1>(params, `${name}.bias`);
  const axes = [...Array(x.rank - 1).keys()];
  if (options.training) {
    const { mean, variance } = tf.moments(x, axes);
    options.onBatchStats?.(name, {
      mean: tf.keep(mean) as tf.Tensor1D,
      variance: tf.keep(variance) as tf.Tensor1D,
      count: x.size / x.shape[x.rank - 1],
    });
    const scale = tf.mul(gamma, tf.rsqrt(tf.add(variance, BN_EPS)));
    return tf.add(tf.mul(tf.sub(x, mean), scale), beta);
  }
  // Eval: a per-channel affine map from the running statistics.
  const scale = tf.mul(gamma, tf.rsqrt(tf.add(param(params, `${name}.running_var`), BN_EPS)));
  const shift = tf.sub(beta, tf.mul(param(params, `${name}.running_mean`), scale));
  return tf.add(tf.mul(x, scale), shift);
}

function basicBlock(x: tf.Tensor4D, b: BlockPlan, params: Params, options: ReidForwardOptions): tf.Tensor4D {
  let h = tf.relu(
    batchNorm(conv(x, params, `${b.prefix}.conv1`, b.stride), params, `${b.prefix}.bn1`, options),
  );
  h = batchNorm(conv(h as tf.Tensor4D, params, `${b.prefix}.conv2`, 1), params, `${b.prefix}.bn2`, options);
  const shortcut = b.downsample
    ? batchNorm(
        conv(x, params, `${b.prefix}.downsample.0`, b.stride),
        params,
        `${b.prefix}.downsample.1`,
        options,
      )
    : x;
  return tf.relu(tf.add(h, shortcut)) as tf.Tensor4D;
}

/**
 * Initial values: torchvision's ResNet init for the backbone, huanghoujing's for the heads. `fanIn` is the
 * fan-in of the layer the parameter belongs to (a bias's bound comes from its weight).
 */
function initialValues(
  spec: ParamSpec,
  fanIn: number,
  rand: () => number,
  normal: () => number,
): Float32Array {
  const n = sizeOf(spec.torchShape);
  const v = new Float32Array(n);
  const { name } = spec;
  if (name.endsWith('.running_var')) return v.fill(1);
  if (name.endsWith('.running_mean') || (name.endsWith('.bias') && !name.startsWith('local_conv'))) return v;
  if (spec.torchShape.length === 1 && name.endsWith('.weight')) return v.fill(1); // BN gamma
  if (name === 'fc.weight') {
    for (let i = 0; i < n; i++) v[i] = 0.001 * normal(); // normal(0, 0.001)
    return v;
  }
  if (name.startsWith('base.')) {
    // kaiming_normal_(mode='fan_out', nonlinearity='relu').
    const [out, , kh, kw] = spec.torchShape;
    const std = Math.sqrt(2 / (out * kh * kw));
    for (let i = 0; i < n; i++) v[i] = std * normal();
    return v;
  }
  // local_conv: PyTorch's Conv2d default, U(-1/sqrt(fan_in), +) for weight and bias.
  const bound = 1 / Math.sqrt(fanIn);
  for (let i = 0; i < n; i++) v[i] = (2 * rand() - 1) * bound;
  return v;
}

export class ReidModel {
  readonly specs: readonly ParamSpec[];
  readonly blocks: readonly BlockPlan[];
  /** [stripes, map width, global channels]. */
  readonly mapShape: [number, number, number];
  private readonly variables = new Map<string, tf.Variable>();
  private disposed = false;

  constructor(
    readonly config: ReidModelConfig,
    seed = 0,
  ) {
    const problems = validateReidConfig(config);
    if (problems.length > 0) throw new Error(`ReID model config: ${problems.join('; ')}`);
    this.specs = reidSpecs(config);
    this.blocks = reidBlocks(config);
    this.mapShape = reidMapShape(config);
    const rand = mulberry32(seed);
    const normal = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
    const byName = new Map(this.specs.map((s) => [s.name, s]));
    for (const spec of this.specs) {
      const owner = byName.get(spec.name.replace(/\.bias$/, '.weight')) ?? spec;
      const fanIn = sizeOf(owner.torchShape.slice(1));
      const initial = tf.tensor(
        initialValues(spec, fanIn, rand, normal),
        tfShapeOf(spec.torchShape, spec.layout),
      );
      this.variables.set(spec.name, tf.variable(initial, !isBuffer(spec.name)));
      initial.dispose();
    }
  }

  /** Parameters and BN buffers by state_dict name, in tfjs layouts. */
  get params(): ReadonlyMap<string, tf.Variable> {
    return this.variables;
  }

  /** The trainable variables (no BN running statistics), in spec order. */
  trainable(): Map<string, tf.Variable> {
    return new Map([...this.variables].filter(([name]) => !isBuffer(name)));
  }

  /** `x`: NHWC float32, already normalised (see `preprocess`). Call inside tf.tidy or dispose the outputs. */
  forward(x: tf.Tensor4D, options: ReidForwardOptions = {}): ReidOutput {
    if (this.disposed) throw new Error('ReID model: forward() after dispose()');
    const [h, w] = this.config.inputSize;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== 3) {
      throw new Error(`ReID model: x must be NHWC [B, ${h}, ${w}, 3], got [${x.shape}]`);
    }
    const P = this.variables;
    return tf.tidy(() => {
      let f = tf.relu(batchNorm(conv(x, P, 'base.conv1', 2), P, 'base.bn1', options)) as tf.Tensor4D;
      for (const b of this.blocks) f = basicBlock(f, b, P, options);
      const global = tf.mean(f, [1, 2]) as tf.Tensor2D;
      // Horizontal mean pooling: one vector per row of the map, i.e. per stripe.
      const stripes = tf.mean(f, 2, true) as tf.Tensor4D; // [B, H, 1, C]
      const projected = tf.conv2d(stripes, param<tf.Rank.R4>(P, 'local_conv.weight'), 1, 'valid');
      const biased = tf.add(projected, param(P, 'local_conv.bias'));
      let local = tf.squeeze(tf.relu(batchNorm(biased, P, 'local_bn', options)), [2]) as tf.Tensor3D;
      if (this.config.normalizeLocal) local = l2Normalize(local);
      const logits =
        this.config.numClasses > 0
          ? (tf.add(tf.matMul(global, param<tf.Rank.R2>(P, 'fc.weight')), param(P, 'fc.bias')) as tf.Tensor2D)
          : null;
      return { global, local, logits } as unknown as tf.TensorContainerObject;
    }) as unknown as ReidOutput;
  }

  /**
   * PyTorch's BN update from one training batch's statistics: running = (1 - m) running + m batch, with the
   * unbiased batch variance. Disposes nothing it is given.
   */
  updateRunningStats(stats: ReadonlyMap<string, BatchStats>): void {
    tf.tidy(() => {
      for (const [name, s] of stats) {
        const rm = param<tf.Rank.R1>(this.variables, `${name}.running_mean`);
        const rv = param<tf.Rank.R1>(this.variables, `${name}.running_var`);
        const unbiased = tf.mul(s.variance, s.count / Math.max(1, s.count - 1));
        this.variables
          .get(`${name}.running_mean`)!
          .assign(tf.add(tf.mul(rm, 1 - BN_MOMENTUM), tf.mul(s.mean, BN_MOMENTUM)));
        this.variables
          .get(`${name}.running_var`)!
          .assign(tf.add(tf.mul(rv, 1 - BN_MOMENTUM), tf.mul(unbiased, BN_MOMENTUM)));
      }
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
  }
}

/**
 * x / sqrt(||x||^2 + 1e-12) along the last axis: huanghoujing's `normalize` is x / (||x|| + 1e-12); putting
 * the epsilon under the root keeps the gradient finite for an all-zero (ReLU) stripe as well.
 */
export function l2Normalize<T extends tf.Tensor>(x: T): T {
  return tf.tidy(() => tf.div(x, tf.sqrt(tf.add(tf.sum(tf.square(x), -1, true), 1e-12)))) as T;
}

/** Uint8 RGB NHWC images -> the normalised float32 tensor the model takes. */
export function preprocess(
  config: ReidModelConfig,
  bytes: Uint8Array,
  count: number,
  flip = false,
): tf.Tensor4D {
  const [h, w] = config.inputSize;
  if (bytes.length !== count * h * w * 3) {
    throw new Error(`preprocess: ${bytes.length} bytes are not ${count} RGB images of ${h}x${w}`);
  }
  const data = new Float32Array(bytes.length);
  const { pixelMean: m, pixelStd: s } = config;
  for (let i = 0; i < bytes.length; i += 3) {
    for (let k = 0; k < 3; k++) data[i + k] = (bytes[i + k] / 255 - m[k]) / s[k];
  }
  const x = tf.tensor4d(data, [count, h, w, 3]);
  if (!flip) return x;
  const flipped = tf.reverse(x, 2) as tf.Tensor4D;
  x.dispose();
  return flipped;
}

export function createReidModel(config: ReidModelConfig, seed = 0): ReidModel {
  return new ReidModel(config, seed);
}
