/**
 * Network sizes for training in the browser or on a 2-core CPU: `small` is what the shipped MNIST models
 * use, `tiny` trains in seconds (tests, first tries), `medium` adds capacity where a small one runs out (for
 * a GPU, or many hours of CPU). Each is an official-format config, so a model trained here exports to and
 * imports from the official code's layout.
 */
import type { CheckpointConfig } from '../../io/checkpoint';
import type { DiTConfig } from '../dit/config';
import { ditConfigToJson } from '../dit/config-json';
import type { UNetConfig } from '../unet/config';

export type TrainArch = 'unet' | 'dit';
/** The presets, in the order the Training panel lists them. */
export const TRAIN_PRESET_IDS = ['tiny', 'small', 'medium'] as const;
export type TrainPresetId = (typeof TRAIN_PRESET_IDS)[number];

type Shape = readonly [number, number, number];

// 28 -> 14 -> 7 with attention only at 7x7: wasm's batched matmul is slow, so attention stays on 49 tokens.
const unetSmall = (imageShape: Shape): UNetConfig => ({
  imageShape,
  nChannels: 32,
  chMults: [1, 2, 2],
  isAttn: [false, false, true],
  attnChannelsPerHead: null,
  nBlocks: 1,
  useResForUpdown: false,
  dropout: 0,
});

const ditSmall = (imageShape: Shape): DiTConfig => ({
  imageShape,
  patchSize: 4,
  hiddenSize: 128,
  depth: 6,
  numHeads: 4,
  mlpRatio: 4,
});

const unetPresets: Record<TrainPresetId, (shape: Shape) => UNetConfig> = {
  // One resolution drop, no attention: ~0.2M parameters.
  tiny: (imageShape) => ({
    imageShape,
    nChannels: 32,
    chMults: [1, 1],
    isAttn: [false, false],
    attnChannelsPerHead: null,
    nBlocks: 1,
    useResForUpdown: false,
    dropout: 0,
  }),
  small: (imageShape) => unetSmall(imageShape),
  // small with 128 channels at 7x7 (the middle block and the decoder blocks the probe reads): 2.7M
  // parameters for ~1.4x small's training step on wasm, since the 7x7 convolutions were its cheapest part.
  medium: (imageShape) => ({ ...unetSmall(imageShape), chMults: [1, 2, 4] }),
};

const ditPresets: Record<TrainPresetId, (shape: Shape) => DiTConfig> = {
  tiny: (imageShape) => ({
    imageShape,
    patchSize: imageShape[1] % 7 === 0 ? 7 : 4,
    hiddenSize: 32,
    depth: 2,
    numHeads: 2,
    mlpRatio: 2,
  }),
  small: (imageShape) => ditSmall(imageShape),
  // small at patch 2 (196 tokens for 28x28): the patch size is what the DiT paper finds matters most. ~9x
  // small's step on wasm (attention over 196 tokens): meant for a GPU.
  medium: (imageShape) => ({ ...ditSmall(imageShape), patchSize: 2 }),
};

export interface PresetOptions {
  /**
   * Training-time dropout before each residual block's second conv, as the official UNet has it (0.1 in its
   * CIFAR-10 config); the DiT, like the official one, has none, so it must stay 0 there.
   */
  readonly dropout?: number;
}

/** The network config of a preset for images of `imageShape` ([C, H, W]). */
export function presetConfig(
  arch: TrainArch,
  preset: TrainPresetId,
  imageShape: Shape,
  { dropout = 0 }: PresetOptions = {},
): CheckpointConfig {
  if (!(dropout >= 0 && dropout < 1)) throw new Error(`dropout must be in [0, 1), got ${dropout}`);
  if (arch === 'unet') {
    return { arch: 'unet', config: { ...unetPresets[preset](imageShape), dropout }, source: 'metadata' };
  }
  if (dropout > 0) throw new Error('the DiT has no dropout (as in the official DiT): use dropout 0');
  return { arch: 'dit', json: ditConfigToJson(ditPresets[preset](imageShape)), source: 'metadata' };
}
