/**
 * The UNet's parameters in the official `state_dict` order, with PyTorch names and shapes. PyTorch lists a
 * module's parameters in the order its `__init__` assigns submodules; each helper here follows that order.
 */
import type { ParamSpec } from '../denoiser';
import type { UNetConfig } from './config';
import { type AttnPlan, buildUNetPlan, type ResBlockPlan, type StagePlan, type UNetPlan } from './plan';

const conv = (name: string, cout: number, cin: number, k: number): ParamSpec[] => [
  { name: `${name}.weight`, torchShape: [cout, cin, k, k], layout: 'conv' },
  { name: `${name}.bias`, torchShape: [cout], layout: 'plain' },
];

const linear = (name: string, cout: number, cin: number): ParamSpec[] => [
  { name: `${name}.weight`, torchShape: [cout, cin], layout: 'linear' },
  { name: `${name}.bias`, torchShape: [cout], layout: 'plain' },
];

const norm = (name: string, c: number): ParamSpec[] => [
  { name: `${name}.weight`, torchShape: [c], layout: 'plain' },
  { name: `${name}.bias`, torchShape: [c], layout: 'plain' },
];

/** ResidualBlock: norm1, conv1, norm2, conv2 = Sequential(Dropout, Conv) -> `conv2.1`, shortcut, time_emb.1. */
function resBlockSpecs(r: ResBlockPlan, timeChannels: number): ParamSpec[] {
  return [
    ...norm(`${r.prefix}.norm1`, r.inChannels),
    ...conv(`${r.prefix}.conv1`, r.outChannels, r.inChannels, 3),
    ...norm(`${r.prefix}.norm2`, r.outChannels),
    ...conv(`${r.prefix}.conv2.1`, r.outChannels, r.outChannels, 3),
    ...(r.inChannels !== r.outChannels ? conv(`${r.prefix}.shortcut`, r.outChannels, r.inChannels, 1) : []),
    ...linear(`${r.prefix}.time_emb.1`, r.outChannels, timeChannels),
  ];
}

/** AttentionBlock: norm, projection (C -> 3 * heads * d_k), output (heads * d_k -> C). */
function attnSpecs(a: AttnPlan): ParamSpec[] {
  const inner = a.heads * a.headDim;
  return [
    ...norm(`${a.prefix}.norm`, a.channels),
    ...linear(`${a.prefix}.projection`, 3 * inner, a.channels),
    ...linear(`${a.prefix}.output`, a.channels, inner),
  ];
}

function stageSpecs(s: StagePlan, timeChannels: number): ParamSpec[] {
  switch (s.kind) {
    case 'resatt':
      return [...resBlockSpecs(s.res, timeChannels), ...(s.attn ? attnSpecs(s.attn) : [])];
    case 'conv-down':
    case 'conv-up':
      return conv(s.prefix, s.channels, s.channels, 3);
    case 'res-down':
    case 'res-up':
      return resBlockSpecs(s.op, timeChannels);
  }
}

export function planSpecs(plan: UNetPlan): ParamSpec[] {
  const { timeChannels: tc, baseChannels: base } = plan;
  return [
    ...conv('image_proj', base, plan.imageChannels, 3),
    ...(plan.augmentDim > 0
      ? [
          {
            name: 'time_emb.aug_emb.weight',
            torchShape: [tc / 4, plan.augmentDim],
            layout: 'linear',
          } as ParamSpec,
        ]
      : []),
    ...linear('time_emb.lin1', tc, tc / 4),
    ...linear('time_emb.lin2', tc, tc),
    ...plan.down.flatMap((s) => stageSpecs(s, tc)),
    ...resBlockSpecs(plan.middle.res1, tc),
    ...attnSpecs(plan.middle.attn),
    ...resBlockSpecs(plan.middle.res2, tc),
    ...plan.up.flatMap((s) => stageSpecs(s, tc)),
    ...norm('norm', plan.outChannels),
    ...conv('final', plan.imageChannels, plan.outChannels, 3),
  ];
}

/** Every parameter of the UNet for `config`, in state_dict order, without allocating anything. */
export function unetSpecs(config: UNetConfig): ParamSpec[] {
  return planSpecs(buildUNetPlan(config));
}

export const countParams = (specs: readonly ParamSpec[]): number =>
  specs.reduce((sum, s) => sum + s.torchShape.reduce((a, b) => a * b, 1), 0);
