/**
 * The DiT configuration (facebookresearch/DiT `DiT(input_size, patch_size, in_channels, hidden_size, depth,
 * num_heads, mlp_ratio)`, unconditional and with learn_sigma=False: out channels = in channels), its
 * validation, and presets. Validation rejects what the official code cannot run (sides not divisible by the
 * patch, hidden not divisible by the heads or, for the 2-D sin-cos position embedding, by 4) and sizes no
 * browser could allocate.
 */
import { err, ok, type Result } from '../../result';
import { imageShapeProblem, isInt } from '../config-checks';

export interface DiTConfig {
  /** [channels, height, width] (`image_shape`); the official code has square `input_size` only. */
  readonly imageShape: readonly [number, number, number];
  /** Side of the square patches (`patch_size`); H and W must be multiples of it. */
  readonly patchSize: number;
  /** Token width (`hidden_size`). */
  readonly hiddenSize: number;
  /** Number of DiT blocks (`depth`); taps `layer-0` .. `layer-{depth-1}`. */
  readonly depth: number;
  /** Attention heads (`num_heads`); hiddenSize / numHeads per head. */
  readonly numHeads: number;
  /** MLP hidden width = int(hiddenSize * mlpRatio) (`mlp_ratio`, default 4). */
  readonly mlpRatio: number;
}

/** Ceilings that keep a hostile config file from asking for absurd allocations or loops. */
export const DIT_LIMITS = {
  maxImageSide: 1024,
  maxImageChannels: 64,
  maxPatch: 64,
  maxHidden: 4096,
  maxDepth: 64,
  maxHeads: 64,
  maxMlpRatio: 16,
  maxTokens: 16_384,
} as const;

/** A small MNIST DiT: 49 tokens of 4x4 patches, 6 blocks of width 128 (1,867,664 parameters). */
export const DIT_MNIST_SMALL: DiTConfig = {
  imageShape: [1, 28, 28],
  patchSize: 4,
  hiddenSize: 128,
  depth: 6,
  numHeads: 4,
  mlpRatio: 4,
};

export type DiTPresetId = 'dit-mnist-small';

export const DIT_PRESETS: Readonly<Record<DiTPresetId, DiTConfig>> = {
  'dit-mnist-small': DIT_MNIST_SMALL,
};

/** Checks every rule and reports all violations at once, one per line. */
export function validateDiTConfig(c: DiTConfig): Result<DiTConfig> {
  const L = DIT_LIMITS;
  const errors: string[] = [];
  const shapeProblem = imageShapeProblem(c.imageShape, L);
  if (shapeProblem) errors.push(shapeProblem);
  const shapeOk = shapeProblem === null;
  const patchOk = isInt(c.patchSize, 1, L.maxPatch);
  if (!patchOk) {
    errors.push(`patch_size must be an integer in 1..${L.maxPatch}, got ${JSON.stringify(c.patchSize)}`);
  }
  if (shapeOk && patchOk) {
    const [, h, w] = c.imageShape;
    if (h % c.patchSize !== 0 || w % c.patchSize !== 0) {
      errors.push(`image height and width must be divisible by patch_size ${c.patchSize}, got ${h}x${w}`);
    } else if ((h / c.patchSize) * (w / c.patchSize) > L.maxTokens) {
      errors.push(
        `the image has ${(h / c.patchSize) * (w / c.patchSize)} patches (tokens), more than ${L.maxTokens}; use a larger patch_size`,
      );
    }
  }
  const hiddenOk = isInt(c.hiddenSize, 4, L.maxHidden);
  if (!hiddenOk || c.hiddenSize % 4 !== 0) {
    errors.push(
      `hidden_size must be a multiple of 4 (the 2-D sin-cos position embedding splits it in four) between 4 and ${L.maxHidden}, got ${JSON.stringify(c.hiddenSize)}`,
    );
  }
  if (!isInt(c.depth, 1, L.maxDepth)) {
    errors.push(`depth must be an integer in 1..${L.maxDepth}, got ${JSON.stringify(c.depth)}`);
  }
  const headsOk = isInt(c.numHeads, 1, L.maxHeads);
  if (!headsOk) {
    errors.push(`num_heads must be an integer in 1..${L.maxHeads}, got ${JSON.stringify(c.numHeads)}`);
  } else if (hiddenOk && c.hiddenSize % c.numHeads !== 0) {
    errors.push(`hidden_size ${c.hiddenSize} must be divisible by num_heads ${c.numHeads}`);
  }
  const r = c.mlpRatio as unknown;
  if (typeof r !== 'number' || !Number.isFinite(r) || r <= 0 || r > L.maxMlpRatio) {
    errors.push(`mlp_ratio must be a number in (0, ${L.maxMlpRatio}], got ${JSON.stringify(r)}`);
  } else if (hiddenOk && Math.floor(c.hiddenSize * r) < 1) {
    errors.push(`int(hidden_size * mlp_ratio) must be at least 1, got ${c.hiddenSize} * ${r}`);
  }
  return errors.length === 0 ? ok(c) : err(`Invalid DiT config:\n- ${errors.join('\n- ')}`);
}

/** Patches along height and width, total tokens, MLP width and head width of a valid config. */
export function ditGeometry(c: DiTConfig) {
  const [channels, h, w] = c.imageShape;
  const gridH = h / c.patchSize;
  const gridW = w / c.patchSize;
  return {
    channels,
    gridH,
    gridW,
    tokens: gridH * gridW,
    mlpHidden: Math.floor(c.hiddenSize * c.mlpRatio),
    headDim: c.hiddenSize / c.numHeads,
  };
}
