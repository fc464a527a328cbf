/**
 * An unconditional DiT (facebookresearch/DiT `models.py`, learn_sigma=False, no `y_embedder`, c = t_emb) as
 * a Denoiser: NHWC image in and out, [B, tokens, hidden] inside, parameters under their PyTorch state_dict
 * names, block taps `layer-0..layer-{depth-1}` (the official hooks on `self.blocks[idx]`) from the same pass.
 *
 * Time input: like the UNet, `forward` takes the sampler's network time input, t / 1000 for DDPM. The
 * official DiT is trained on the raw integer timestep t in [0, 1000), so the timestep embedder is fed
 * `t_in * 1000` (= t). A checkpoint of the official code and this model then agree without any change to the
 * samplers; only a caller that hands the DiT raw t would be off by 1000x.
 */
import * as tf from '@tensorflow/tfjs';
import { unwrap } from '../../result';
import type { Denoiser, DenoiserOutput, FeatureTap, ForwardOptions, ParamSpec } from '../denoiser';
import { createParams, type ParamInit } from '../unet/params';
import { type DiTConfig, ditGeometry, validateDiTConfig } from './config';
import { ditInitialValues } from './init';
import { ditSpecs, FREQUENCY_EMBEDDING_SIZE } from './specs';

/** The DiT scales its time input by this before the sinusoid (see the file comment). */
export const DIT_TIME_SCALE = 1000;
const LN_EPS = 1e-6;
const MAX_PERIOD = 10_000;

export interface DiTDenoiser extends Denoiser {
  readonly arch: 'dit';
  readonly config: DiTConfig;
}

/**
 * The official fixed 2-D sin-cos position embedding, [tokens * hidden] row-major, tokens row-major over the
 * patch grid. Official quirk kept: `grid = meshgrid(grid_w, grid_h)`, so the first half of each vector
 * ("emb_h", from grid[0]) encodes the column j and the second half the row i; each half is
 * [sin(pos * omega), cos(pos * omega)] with omega_k = 1 / 10000^(k / (hidden / 4)).
 */
export function sincosPosEmbed(hidden: number, gridH: number, gridW: number): Float32Array {
  const quarter = hidden / 4;
  const out = new Float32Array(gridH * gridW * hidden);
  for (let i = 0; i < gridH; i++) {
    for (let j = 0; j < gridW; j++) {
      const base = (i * gridW + j) * hidden;
      for (let k = 0; k < quarter; k++) {
        const omega = 1 / MAX_PERIOD ** (k / quarter);
        out[base + k] = Math.sin(j * omega);
        out[base + quarter + k] = Math.cos(j * omega);
        out[base + 2 * quarter + k] = Math.sin(i * omega);
        out[base + 3 * quarter + k] = Math.cos(i * omega);
      }
    }
  }
  return out;
}

/** `freqs = exp(-ln(max_period) * arange(half) / half)` in float32, the way PyTorch evaluates it. */
function timestepFrequencies(half: number): Float32Array {
  const scale = Math.fround(-Math.log(MAX_PERIOD));
  const freqs = new Float32Array(half);
  for (let k = 0; k < half; k++) freqs[k] = Math.exp(Math.fround(Math.fround(scale * k) / half));
  return freqs;
}

const silu = <T extends tf.Tensor>(x: T): T => tf.mul(x, tf.sigmoid(x));

/** GELU, tanh approximation (`nn.GELU(approximate="tanh")`). */
function geluTanh<T extends tf.Tensor>(x: T): T {
  const inner = tf.mul(Math.sqrt(2 / Math.PI), tf.add(x, tf.mul(0.044715, tf.mul(tf.square(x), x))));
  return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
}

/** LayerNorm over the last axis without affine parameters, eps 1e-6. */
function layerNorm(x: tf.Tensor3D): tf.Tensor3D {
  const centred = tf.sub(x, tf.mean(x, -1, true));
  const variance = tf.mean(tf.square(centred), -1, true);
  return tf.mul(centred, tf.rsqrt(tf.add(variance, LN_EPS)));
}

/** `x * (1 + scale) + shift` with per-image [B, hidden] modulations broadcast over tokens. */
function modulate(x: tf.Tensor3D, shift: tf.Tensor2D, scale: tf.Tensor2D): tf.Tensor3D {
  const [b, , d] = x.shape;
  return tf.add(tf.mul(x, tf.add(1, tf.reshape(scale, [b, 1, d]))), tf.reshape(shift, [b, 1, d]));
}

class DiT implements DiTDenoiser {
  readonly arch = 'dit' as const;
  readonly imageShape: readonly [number, number, number];
  readonly specs: readonly ParamSpec[];
  private readonly geometry: ReturnType<typeof ditGeometry>;
  private readonly variables: Map<string, tf.Variable>;
  private disposed = false;

  constructor(
    readonly config: DiTConfig,
    init: ParamInit,
    seed: number,
  ) {
    this.imageShape = [...config.imageShape] as [number, number, number];
    this.geometry = ditGeometry(config);
    this.specs = ditSpecs(config);
    this.variables = createParams(this.specs, init, seed, ditInitialValues);
    // pos_embed is fixed (requires_grad=False in the official code): the sin-cos table, not trainable.
    const { gridH, gridW, tokens } = this.geometry;
    this.variables.get('pos_embed')?.dispose();
    const table = tf.tensor3d(sincosPosEmbed(config.hiddenSize, gridH, gridW), [
      1,
      tokens,
      config.hiddenSize,
    ]);
    this.variables.set('pos_embed', tf.variable(table, false));
    table.dispose();
  }

  get params(): ReadonlyMap<string, tf.Variable> {
    return this.variables;
  }

  private p<R extends tf.Rank>(name: string): tf.Tensor<R> {
    const v = this.variables.get(name);
    if (!v) throw new Error(`DiT: parameter "${name}" is missing`);
    return v as unknown as tf.Tensor<R>;
  }

  /** nn.Linear on [N, in] (tfjs weight [in, out]). */
  private linear2d(x: tf.Tensor2D, name: string): tf.Tensor2D {
    return tf.fused.matMul({
      a: x,
      b: this.p<tf.Rank.R2>(`${name}.weight`),
      bias: this.p(`${name}.bias`),
    }) as tf.Tensor2D;
  }

  /** nn.Linear on [B, T, in]. */
  private linear3d(x: tf.Tensor3D, name: string): tf.Tensor3D {
    const [b, n, d] = x.shape;
    const y = this.linear2d(tf.reshape(x, [b * n, d]), name);
    return tf.reshape(y, [b, n, y.shape[1]]);
  }

  /** TimestepEmbedder: [cos(t f), sin(t f)] (cos first) of width 256, then mlp.0 -> SiLU -> mlp.2. */
  private timestepEmbedding(t: tf.Tensor1D): tf.Tensor2D {
    const half = FREQUENCY_EMBEDDING_SIZE / 2;
    const freqs = tf.tensor2d(timestepFrequencies(half), [1, half]);
    const tRaw = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), DIT_TIME_SCALE);
    const args = tf.mul(tRaw, freqs);
    // Reduce to [0, 2 pi) first: args reach ~1000 and GPU sin/cos lose accuracy far from 0.
    const twoPi = 2 * Math.PI;
    const reduced = tf.sub(args, tf.mul(tf.floor(tf.div(args, twoPi)), twoPi));
    const emb = tf.concat([tf.cos(reduced), tf.sin(reduced)], 1) as tf.Tensor2D;
    return this.linear2d(silu(this.linear2d(emb, 't_embedder.mlp.0')), 't_embedder.mlp.2');
  }

  /** timm Attention: qkv -> per-head softmax(q k^T / sqrt(d_head)) v -> proj. */
  private attention(x: tf.Tensor3D, prefix: string): tf.Tensor3D {
    const [b, n, d] = x.shape;
    const heads = this.config.numHeads;
    const hd = d / heads;
    // qkv's 3d outputs are ordered (3, heads, head_dim), as torch's reshape(B, N, 3, H, hd) reads them.
    const [q, k, v] = tf
      .split(this.linear3d(x, `${prefix}.qkv`), 3, 2)
      .map((m) => tf.transpose(tf.reshape(m, [b, n, heads, hd]), [0, 2, 1, 3]) as tf.Tensor4D);
    const scores = tf.matMul(tf.mul(q, hd ** -0.5), k, false, true);
    const out = tf.matMul(tf.softmax(scores, -1), v);
    const merged = tf.reshape(tf.transpose(out, [0, 2, 1, 3]), [b, n, d]) as tf.Tensor3D;
    return this.linear3d(merged, `${prefix}.proj`);
  }

  /** DiTBlock with adaLN-Zero modulation from SiLU(c). */
  private block(x: tf.Tensor3D, cAct: tf.Tensor2D, i: number): tf.Tensor3D {
    const pre = `blocks.${i}`;
    const [shiftMsa, scaleMsa, gateMsa, shiftMlp, scaleMlp, gateMlp] = tf.split(
      this.linear2d(cAct, `${pre}.adaLN_modulation.1`),
      6,
      1,
    ) as tf.Tensor2D[];
    const [b, , d] = x.shape;
    const attn = this.attention(modulate(layerNorm(x), shiftMsa, scaleMsa), `${pre}.attn`);
    const h = tf.add(x, tf.mul(tf.reshape(gateMsa, [b, 1, d]), attn)) as tf.Tensor3D;
    const hidden = geluTanh(this.linear3d(modulate(layerNorm(h), shiftMlp, scaleMlp), `${pre}.mlp.fc1`));
    const mlp = this.linear3d(hidden, `${pre}.mlp.fc2`);
    return tf.add(h, tf.mul(tf.reshape(gateMlp, [b, 1, d]), mlp)) as tf.Tensor3D;
  }

  forward(x: tf.Tensor4D, t: tf.Tensor1D, options: ForwardOptions = {}): DenoiserOutput {
    this.checkInputs(x, t);
    const wantTaps = options.taps ?? false;
    const { gridH, gridW, tokens, channels } = this.geometry;
    const { hiddenSize: d, patchSize: p, depth } = this.config;
    return tf.tidy(() => {
      const b = x.shape[0];
      // PatchEmbed: Conv2d(kernel = stride = patch), tokens row-major over the patch grid.
      const patches = tf.fused.conv2d({
        x,
        filter: this.p<tf.Rank.R4>('x_embedder.proj.weight'),
        bias: this.p<tf.Rank.R1>('x_embedder.proj.bias'),
        strides: p,
        pad: 'valid',
      });
      let h = tf.add(tf.reshape(patches, [b, tokens, d]), this.p('pos_embed')) as tf.Tensor3D;
      // Every adaLN_modulation is Sequential(SiLU, Linear) on the same c: apply the SiLU once.
      const cAct = silu(this.timestepEmbedding(t));
      const taps: FeatureTap[] = [];
      for (let i = 0; i < depth; i++) {
        h = this.block(h, cAct, i);
        if (wantTaps) taps.push({ name: `layer-${i}`, activation: h, pooled: tf.mean(h, 1) as tf.Tensor2D });
      }
      const [shift, scale] = tf.split(
        this.linear2d(cAct, 'final_layer.adaLN_modulation.1'),
        2,
        1,
      ) as tf.Tensor2D[];
      const out = this.linear3d(modulate(layerNorm(h), shift, scale), 'final_layer.linear');
      // unpatchify: token (i, j) holds a (p, q, c) patch; NHWC row = i p + p', column = j p + q'.
      const rows = tf.reshape(out, [b * gridH, gridW, p, p * channels]);
      const eps = tf.reshape(tf.transpose(rows, [0, 2, 1, 3]), [b, gridH * p, gridW * p, channels]);
      return { eps, taps } as unknown as tf.TensorContainerObject;
    }) as unknown as DenoiserOutput;
  }

  private checkInputs(x: tf.Tensor4D, t: tf.Tensor1D): void {
    if (this.disposed) throw new Error('DiT: forward() after dispose()');
    const [c, h, w] = this.imageShape;
    if (x.rank !== 4 || x.shape[1] !== h || x.shape[2] !== w || x.shape[3] !== c) {
      throw new Error(
        `DiT: x must be NHWC [B, ${h}, ${w}, ${c}] (the fixed position embedding sets the size), got [${x.shape}]`,
      );
    }
    if (x.dtype !== 'float32') throw new Error(`DiT: x must be float32, got ${x.dtype}`);
    if (t.rank !== 1 || t.shape[0] !== x.shape[0]) {
      throw new Error(`DiT: t must have shape [${x.shape[0]}] (one time per image), got [${t.shape}]`);
    }
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.variables.values()) v.dispose();
  }
}

/**
 * Builds the DiT for `config` (throws with every problem listed if it is invalid). `init` 'official' is the
 * official adaLN-Zero `initialize_weights` from `seed` (a fresh network outputs exactly 0; training starts
 * here); 'random' is PyTorch's default Linear/Conv initialisation (non-trivial output, for tests); 'zeros' a
 * cheap placeholder for checkpoint weights. `pos_embed` is always the fixed sin-cos table.
 */
export function createDiT(config: DiTConfig, init: ParamInit = 'random', seed = 0): DiTDenoiser {
  return new DiT(unwrap(validateDiTConfig(config), 'createDiT'), init, seed);
}
