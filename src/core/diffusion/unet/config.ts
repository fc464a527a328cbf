/**
 * The DDAE UNet configuration (the `network:` section of the official `config/*.yaml`), its validation, and
 * the official presets. Validation rejects exactly the configurations the official PyTorch code cannot run
 * (GroupNorm(32) on a channel count not divisible by 32, skip shapes that do not meet after odd-sized
 * down-sampling, `n_blocks` < 1 failing its assert), plus sizes no browser could allocate.
 */
import { err, ok, type Result } from '../../result';
import { imageShapeProblem, isInt } from '../config-checks';

export interface UNetConfig {
  /** [channels, height, width] (`image_shape`). */
  readonly imageShape: readonly [number, number, number];
  /** Base channel count (`n_channels`); every resolution has nChannels * chMults[i]. */
  readonly nChannels: number;
  readonly chMults: readonly number[];
  /** Attention after each residual block at resolution i (`is_attn`, one per ch_mult). */
  readonly isAttn: readonly boolean[];
  /** null: one head with d_k = C. Else d_k = this and heads = floor(C / d_k), as the official code does. */
  readonly attnChannelsPerHead: number | null;
  /** Residual blocks per resolution in the encoder; the decoder has nBlocks + 1. */
  readonly nBlocks: number;
  /** BigGAN-style up/down-sampling residual blocks (DDPM++) instead of strided / upsampling convs. */
  readonly useResForUpdown: boolean;
  /** Training-time dropout before each conv2; inference ignores it. */
  readonly dropout: number;
  /** EDM augmentation-label dimension (`augment_dim`); adds `time_emb.aug_emb.weight`. Default 0. */
  readonly augmentDim?: number;
}

/** Ceilings that keep a hostile config file from asking for absurd allocations or loops. */
export const UNET_LIMITS = {
  maxResolutions: 8,
  maxMult: 64,
  maxChannels: 4096,
  maxBlocks: 64,
  maxImageSide: 4096,
  maxImageChannels: 64,
  maxAugmentDim: 1024,
} as const;

/** The official DDPM 35.7M CIFAR-10 network (`config/DDPM_ddpm.yaml`). */
export const DDPM_CIFAR10_35M: UNetConfig = {
  imageShape: [3, 32, 32],
  nChannels: 128,
  chMults: [1, 2, 2, 2],
  isAttn: [false, true, false, false],
  attnChannelsPerHead: null,
  nBlocks: 2,
  useResForUpdown: false,
  dropout: 0.1,
};

/** The official DDPM++ 56.5M CIFAR-10 network (`config/DDPM_ddpmpp.yaml`). */
export const DDPMPP_CIFAR10_56M: UNetConfig = {
  imageShape: [3, 32, 32],
  nChannels: 128,
  chMults: [2, 2, 2],
  isAttn: [false, true, false],
  attnChannelsPerHead: null,
  nBlocks: 4,
  useResForUpdown: true,
  dropout: 0.1,
};

/** The tiny MNIST network of the golden file `ddae_unet_mnist_tiny.safetensors` (1,112,801 parameters). */
export const MNIST_TINY_GOLDEN: UNetConfig = {
  imageShape: [1, 28, 28],
  nChannels: 32,
  chMults: [1, 2, 2],
  isAttn: [false, true, false],
  attnChannelsPerHead: null,
  nBlocks: 1,
  useResForUpdown: false,
  dropout: 0,
};

export type UNetPresetId = 'ddpm-cifar10-35.7M' | 'ddpmpp-cifar10-56.5M' | 'mnist-tiny-golden';

export const UNET_PRESETS: Readonly<Record<UNetPresetId, UNetConfig>> = {
  'ddpm-cifar10-35.7M': DDPM_CIFAR10_35M,
  'ddpmpp-cifar10-56.5M': DDPMPP_CIFAR10_56M,
  'mnist-tiny-golden': MNIST_TINY_GOLDEN,
};

/** Checks every rule and reports all violations at once, one per line. */
export function validateUNetConfig(c: UNetConfig): Result<UNetConfig> {
  const L = UNET_LIMITS;
  const errors: string[] = [];
  const shapeProblem = imageShapeProblem(c.imageShape, L);
  if (shapeProblem) errors.push(shapeProblem);
  const shapeOk = shapeProblem === null;
  if (!isInt(c.nChannels, 32, L.maxChannels) || c.nChannels % 32 !== 0) {
    errors.push(
      `n_channels must be a multiple of 32 (GroupNorm(32) normalises it) between 32 and ${L.maxChannels}, got ${JSON.stringify(c.nChannels)}`,
    );
  }
  const mults = c.chMults as unknown;
  const multsOk =
    Array.isArray(mults) &&
    mults.length >= 1 &&
    mults.length <= L.maxResolutions &&
    mults.every((m) => isInt(m, 1, L.maxMult));
  if (
    multsOk &&
    isInt(c.nChannels, 1, L.maxChannels) &&
    Math.max(...c.chMults) * c.nChannels > L.maxChannels
  ) {
    errors.push(
      `n_channels * ch_mults must stay <= ${L.maxChannels} channels, got ${Math.max(...c.chMults) * c.nChannels}`,
    );
  }
  if (!multsOk) {
    errors.push(
      `ch_mults must list 1..${L.maxResolutions} integers in 1..${L.maxMult}, got ${JSON.stringify(mults)}`,
    );
  }
  const attn = c.isAttn as unknown;
  if (!Array.isArray(attn) || !attn.every((a) => typeof a === 'boolean')) {
    errors.push(`is_attn must be a list of booleans, got ${JSON.stringify(attn)}`);
  } else if (multsOk && attn.length !== c.chMults.length) {
    errors.push(
      `is_attn has ${attn.length} entries but ch_mults has ${c.chMults.length}; give one per resolution`,
    );
  }
  if (!isInt(c.nBlocks, 1, L.maxBlocks)) {
    errors.push(`n_blocks must be an integer in 1..${L.maxBlocks}, got ${JSON.stringify(c.nBlocks)}`);
  }
  if (typeof c.useResForUpdown !== 'boolean') {
    errors.push(`use_res_for_updown must be true or false, got ${JSON.stringify(c.useResForUpdown)}`);
  }
  if (typeof c.dropout !== 'number' || !(c.dropout >= 0 && c.dropout < 1)) {
    errors.push(`dropout must be a number in [0, 1), got ${JSON.stringify(c.dropout)}`);
  }
  if (c.augmentDim !== undefined && !isInt(c.augmentDim, 0, L.maxAugmentDim)) {
    errors.push(
      `augment_dim must be an integer in 0..${L.maxAugmentDim}, got ${JSON.stringify(c.augmentDim)}`,
    );
  }
  if (shapeOk && multsOk) {
    // Each down-sampling halves the size; odd sizes would make the skip concatenation shapes disagree.
    const factor = 2 ** (c.chMults.length - 1);
    const [, h, w] = c.imageShape;
    if (h % factor !== 0 || w % factor !== 0) {
      errors.push(
        `image height and width must be divisible by 2^(len(ch_mults)-1) = ${factor}, got ${h}x${w}`,
      );
    }
  }
  const d = c.attnChannelsPerHead;
  if (d !== null && !isInt(d, 1, L.maxChannels)) {
    errors.push(`attn_channels_per_head must be null or a positive integer, got ${JSON.stringify(d)}`);
  } else if (d !== null && errors.length === 0) {
    // heads = floor(C / d_k) must be >= 1 at every attention block (the middle one and each is_attn level).
    const attnChannels = c.chMults.filter((_, i) => c.isAttn[i]).map((m) => m * c.nChannels);
    attnChannels.push(c.chMults[c.chMults.length - 1] * c.nChannels);
    const smallest = Math.min(...attnChannels);
    if (d > smallest) {
      errors.push(
        `attn_channels_per_head ${d} exceeds the ${smallest} channels of an attention block (no head would fit)`,
      );
    }
  }
  return errors.length === 0 ? ok(c) : err(`Invalid UNet config:\n- ${errors.join('\n- ')}`);
}
