/**
 * The AlignedReID network's configuration and its parameter list, named like the huanghoujing reproduction's
 * PyTorch `state_dict` (`base.` a torchvision-style ResNet, `local_conv`, `local_bn`, `fc`), so a checkpoint
 * could be read by a PyTorch model of the same shape. BatchNorm layers carry `running_mean`/`running_var`
 * (PyTorch's `num_batches_tracked` is not kept: the momentum update never uses it).
 */
import type { ParamSpec } from '../diffusion/denoiser';

export interface ReidStage {
  channels: number;
  /** BasicBlocks in the stage. */
  blocks: number;
  /** Stride of the stage's first block. */
  stride: 1 | 2;
}

export interface ReidModelConfig {
  arch: 'aligned-reid-resnet';
  /** Input [height, width]; RGB. */
  inputSize: [number, number];
  /** The stem: one 3x3 conv of stride 2, BN, ReLU (a CPU-sized stand-in for ResNet's 7x7 conv + max pool). */
  stemChannels: number;
  stages: ReidStage[];
  /** Channels of each stripe's feature after the 1x1 conv (128 in the paper and its reproductions). */
  localChannels: number;
  /** Identity classes of the softmax head; 0 for no head. */
  numClasses: number;
  /** L2-normalise each stripe feature (huanghoujing's normalize_feature, michuanhaohao's model). */
  normalizeLocal: boolean;
  /** Input normalisation (ImageNet mean and std, as both reproductions). */
  pixelMean: [number, number, number];
  pixelStd: [number, number, number];
}

/**
 * ResNet-10-like at a quarter of ResNet's widths, stride 8: 64 x 32 input -> 8 x 4 x 128 map, the 8 stripes
 * of the reproductions; 27 MFLOP per image forward. Measured on wasm (2 threads, shared machine), a training
 * step of 64 images took 1.5 s, against 3.5 s with widths 32..128 and 5.1 s with 32..256.
 */
export const DEFAULT_REID_CONFIG: ReidModelConfig = {
  arch: 'aligned-reid-resnet',
  inputSize: [64, 32],
  stemChannels: 16,
  stages: [
    { channels: 16, blocks: 1, stride: 1 },
    { channels: 32, blocks: 1, stride: 2 },
    { channels: 64, blocks: 1, stride: 2 },
    { channels: 128, blocks: 1, stride: 1 },
  ],
  localChannels: 128,
  numClasses: 0,
  normalizeLocal: true,
  pixelMean: [0.486, 0.459, 0.408],
  pixelStd: [0.229, 0.224, 0.225],
};

/** Total stride of the backbone. */
export const reidStride = (cfg: ReidModelConfig): number => cfg.stages.reduce((s, st) => s * st.stride, 2);

/** [stripes H, width of the final map, channels of the global feature]. */
export function reidMapShape(cfg: ReidModelConfig): [number, number, number] {
  const s = reidStride(cfg);
  return [cfg.inputSize[0] / s, cfg.inputSize[1] / s, cfg.stages[cfg.stages.length - 1].channels];
}

export function validateReidConfig(cfg: ReidModelConfig): string[] {
  const problems: string[] = [];
  const posInt = (v: unknown) => typeof v === 'number' && Number.isInteger(v) && v > 0;
  if (cfg.arch !== 'aligned-reid-resnet')
    problems.push(`arch must be "aligned-reid-resnet", got ${cfg.arch}`);
  if (!Array.isArray(cfg.inputSize) || cfg.inputSize.length !== 2 || !cfg.inputSize.every(posInt)) {
    problems.push('inputSize must be [height, width] of positive integers');
  }
  if (!posInt(cfg.stemChannels)) problems.push('stemChannels must be a positive integer');
  if (!Array.isArray(cfg.stages) || cfg.stages.length === 0) problems.push('stages must be a non-empty list');
  else {
    cfg.stages.forEach((s, i) => {
      if (!posInt(s.channels) || !posInt(s.blocks) || (s.stride !== 1 && s.stride !== 2)) {
        problems.push(`stages[${i}] needs positive integer channels and blocks and a stride of 1 or 2`);
      }
    });
  }
  if (!posInt(cfg.localChannels)) problems.push('localChannels must be a positive integer');
  if (!(Number.isInteger(cfg.numClasses) && cfg.numClasses >= 0)) problems.push('numClasses must be >= 0');
  if (typeof cfg.normalizeLocal !== 'boolean') problems.push('normalizeLocal must be a boolean');
  for (const key of ['pixelMean', 'pixelStd'] as const) {
    const v = cfg[key];
    if (!Array.isArray(v) || v.length !== 3 || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      problems.push(`${key} must be three numbers`);
    }
  }
  if (Array.isArray(cfg.pixelStd) && cfg.pixelStd.some((x) => x <= 0)) problems.push('pixelStd must be > 0');
  if (problems.length === 0) {
    const s = reidStride(cfg);
    if (cfg.inputSize[0] % s !== 0 || cfg.inputSize[1] % s !== 0) {
      problems.push(`inputSize [${cfg.inputSize}] must be a multiple of the stride ${s}`);
    }
  }
  return problems;
}

const conv = (name: string, cout: number, cin: number, k: number, bias = false): ParamSpec[] => [
  { name: `${name}.weight`, torchShape: [cout, cin, k, k], layout: 'conv' },
  ...(bias ? [{ name: `${name}.bias`, torchShape: [cout], layout: 'plain' } as ParamSpec] : []),
];

const bn = (name: string, c: number): ParamSpec[] =>
  ['weight', 'bias', 'running_mean', 'running_var'].map((p) => ({
    name: `${name}.${p}`,
    torchShape: [c],
    layout: 'plain' as const,
  }));

export interface BlockPlan {
  prefix: string;
  inChannels: number;
  outChannels: number;
  stride: 1 | 2;
  downsample: boolean;
}

/** Every BasicBlock in order, with torchvision's names `base.layer{i}.{j}`. */
export function reidBlocks(cfg: ReidModelConfig): BlockPlan[] {
  const blocks: BlockPlan[] = [];
  let c = cfg.stemChannels;
  cfg.stages.forEach((stage, i) => {
    for (let j = 0; j < stage.blocks; j++) {
      const stride = j === 0 ? stage.stride : 1;
      blocks.push({
        prefix: `base.layer${i + 1}.${j}`,
        inChannels: c,
        outChannels: stage.channels,
        stride,
        downsample: stride !== 1 || c !== stage.channels,
      });
      c = stage.channels;
    }
  });
  return blocks;
}

/** The network's parameters and BN buffers, in state_dict order. */
export function reidSpecs(cfg: ReidModelConfig): ParamSpec[] {
  const [, , c] = reidMapShape(cfg);
  return [
    ...conv('base.conv1', cfg.stemChannels, 3, 3),
    ...bn('base.bn1', cfg.stemChannels),
    ...reidBlocks(cfg).flatMap((b) => [
      ...conv(`${b.prefix}.conv1`, b.outChannels, b.inChannels, 3),
      ...bn(`${b.prefix}.bn1`, b.outChannels),
      ...conv(`${b.prefix}.conv2`, b.outChannels, b.outChannels, 3),
      ...bn(`${b.prefix}.bn2`, b.outChannels),
      ...(b.downsample
        ? [
            ...conv(`${b.prefix}.downsample.0`, b.outChannels, b.inChannels, 1),
            ...bn(`${b.prefix}.downsample.1`, b.outChannels),
          ]
        : []),
    ]),
    ...conv('local_conv', cfg.localChannels, c, 1, true),
    ...bn('local_bn', cfg.localChannels),
    ...(cfg.numClasses > 0
      ? [
          { name: 'fc.weight', torchShape: [cfg.numClasses, c], layout: 'linear' } as ParamSpec,
          { name: 'fc.bias', torchShape: [cfg.numClasses], layout: 'plain' } as ParamSpec,
        ]
      : []),
  ];
}

/** BN running statistics are buffers: saved, never trained. */
export const isBuffer = (name: string): boolean =>
  name.endsWith('.running_mean') || name.endsWith('.running_var');

export const countReidParams = (specs: readonly ParamSpec[]): number =>
  specs.filter((s) => !isBuffer(s.name)).reduce((n, s) => n + s.torchShape.reduce((a, b) => a * b, 1), 0);
