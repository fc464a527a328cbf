/**
 * Floating-point operations of one UNet forward pass per image, counted from the plan: convolutions,
 * attention (projections, scores and the weighted sum) and linear layers, at 2 FLOPs per multiply-add.
 * Norms, activations and additions are left out (a few percent); benchmarks divide this by time for GFLOP/s.
 */
import type { UNetConfig } from './config';
import { type AttnPlan, buildUNetPlan, type ResBlockPlan, type StagePlan } from './plan';

const conv = (pixels: number, cin: number, cout: number, k: number) => 2 * pixels * cin * cout * k * k;
const linear = (rows: number, cin: number, cout: number) => 2 * rows * cin * cout;

function resBlockFlops(
  r: ResBlockPlan,
  pixelsIn: number,
  timeChannels: number,
): { flops: number; pixels: number } {
  const pixels = r.resample === 'down' ? pixelsIn / 4 : r.resample === 'up' ? pixelsIn * 4 : pixelsIn;
  let flops = conv(pixels, r.inChannels, r.outChannels, 3) + conv(pixels, r.outChannels, r.outChannels, 3);
  if (r.inChannels !== r.outChannels) flops += conv(pixels, r.inChannels, r.outChannels, 1);
  flops += linear(1, timeChannels, r.outChannels);
  return { flops, pixels };
}

function attnFlops(a: AttnPlan, pixels: number): number {
  const inner = a.heads * a.headDim;
  return (
    linear(pixels, a.channels, 3 * inner) +
    2 * 2 * a.heads * pixels * pixels * a.headDim +
    linear(pixels, inner, a.channels)
  );
}

function stageFlops(s: StagePlan, pixels: number, timeChannels: number): { flops: number; pixels: number } {
  switch (s.kind) {
    case 'resatt': {
      const r = resBlockFlops(s.res, pixels, timeChannels);
      return { flops: r.flops + (s.attn ? attnFlops(s.attn, r.pixels) : 0), pixels: r.pixels };
    }
    case 'conv-down':
      return { flops: conv(pixels / 4, s.channels, s.channels, 3), pixels: pixels / 4 };
    case 'conv-up':
      return { flops: conv(pixels * 4, s.channels, s.channels, 3), pixels: pixels * 4 };
    default:
      return resBlockFlops(s.op, pixels, timeChannels);
  }
}

export function unetFlops(config: UNetConfig): number {
  const plan = buildUNetPlan(config);
  const [c, h, w] = config.imageShape;
  const t = plan.timeChannels;
  let pixels = h * w;
  // Time embedding MLP (sinusoid of n_channels values -> 4C -> 4C) and the input projection.
  let total = linear(1, plan.baseChannels, t) + linear(1, t, t) + conv(pixels, c, plan.baseChannels, 3);
  for (const stage of [...plan.down]) {
    const s = stageFlops(stage, pixels, t);
    total += s.flops;
    pixels = s.pixels;
  }
  const { res1, attn, res2 } = plan.middle;
  total +=
    resBlockFlops(res1, pixels, t).flops + attnFlops(attn, pixels) + resBlockFlops(res2, pixels, t).flops;
  for (const stage of plan.up) {
    const s = stageFlops(stage, pixels, t);
    total += s.flops;
    pixels = s.pixels;
  }
  return total + conv(pixels, plan.outChannels, c, 3);
}
