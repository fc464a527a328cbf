/**
 * The denoise-step benchmark shared by `npm run bench` in Node and the bench page in Chromium: one UNet
 * forward per sampler step, median over a few calls after two warm-ups, with GFLOP/s from our FLOP count.
 */
import * as tf from '@tensorflow/tfjs';
import { DDPM_CIFAR10_35M, MNIST_TINY_GOLDEN, type UNetConfig } from '../diffusion/unet/config';
import { unetFlops } from '../diffusion/unet/flops';
import { createUNet } from '../diffusion/unet/unet';

export interface UNetBenchCase {
  name: string;
  config: UNetConfig;
  batch: number;
  /** Backends it runs on (SwiftShader and tfjs-cpu need minutes per call for the 35.7M network). */
  backends: string[];
  runs: number;
}

export const UNET_BENCH_CASES: readonly UNetBenchCase[] = [
  {
    name: 'mnist-tiny-unet b1',
    config: MNIST_TINY_GOLDEN,
    batch: 1,
    backends: ['webgpu', 'wasm', 'cpu'],
    runs: 5,
  },
  {
    name: 'mnist-tiny-unet b16',
    config: MNIST_TINY_GOLDEN,
    batch: 16,
    backends: ['webgpu', 'wasm', 'cpu'],
    runs: 3,
  },
  { name: 'cifar-35.7M-unet b1', config: DDPM_CIFAR10_35M, batch: 1, backends: ['wasm'], runs: 3 },
  { name: 'cifar-35.7M-unet b16', config: DDPM_CIFAR10_35M, batch: 16, backends: ['wasm'], runs: 1 },
];

/** Median milliseconds of `run()` including its readback, after two warm-up calls. */
export async function medianMs(run: () => tf.Tensor, runs: number): Promise<number> {
  for (let i = 0; i < 2; i++) {
    const y = run();
    await y.data();
    y.dispose();
  }
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const y = run();
    await y.data();
    times.push(performance.now() - t0);
    y.dispose();
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export interface UNetStepResult {
  msPerStep: number;
  gflopPerStep: number;
  gflopsPerSecond: number;
}

/**
 * Times one sampler step (a forward pass with random weights) of `c` on the active backend. `before`
 * runs before timing (e.g. to switch a kernel variant), so variants share one model and input.
 */
export async function benchUNetStep(
  c: UNetBenchCase,
  variants: readonly { name: string; before?: () => void }[] = [{ name: 'default' }],
): Promise<(UNetStepResult & { variant: string })[]> {
  const model = createUNet(c.config, 'random', 1);
  const [ch, h, w] = model.imageShape;
  const x = tf.randomNormal([c.batch, h, w, ch]) as tf.Tensor4D;
  const t = tf.fill([c.batch], 0.5) as tf.Tensor1D;
  const gflop = (unetFlops(c.config) * c.batch) / 1e9;
  const out: (UNetStepResult & { variant: string })[] = [];
  try {
    for (const v of variants) {
      v.before?.();
      const ms = await medianMs(() => model.forward(x, t).eps, c.runs);
      out.push({
        variant: v.name,
        msPerStep: Number(ms.toFixed(1)),
        gflopPerStep: Number(gflop.toFixed(3)),
        gflopsPerSecond: Number((gflop / (ms / 1000)).toFixed(2)),
      });
    }
  } finally {
    tf.dispose([x, t]);
    model.dispose();
  }
  return out;
}
