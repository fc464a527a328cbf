/**
 * `npm run bench`: times our kernels against the tfjs-ops formulation they replace, side by side in one
 * run on each backend, and writes JSON. Absolute times on SwiftShader (webgpu without a GPU) mean nothing;
 * the ratios measured in the same run mean a little. Run it on a real GPU machine for real figures.
 *
 *   npm run bench -- [--backends webgpu,wasm,cpu] [--suites groupnorm,unet,reid,train,probe] [--runs 10]
 *                    [--out bench-results/bench.json]
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import {
  createUNet,
  DDPM_CIFAR10_35M,
  MNIST_TINY_GOLDEN,
  type UNetConfig,
  unetFlops,
} from '../src/core/diffusion/unet';
import { groupNorm } from '../src/core/gpu/kernels/group-norm';
import { groupNormByTfOps, type Nhwc, randomInputs } from '../src/core/gpu/kernels/group-norm.fixtures';
import { setWasmMatMulViaConv } from '../src/core/gpu/kernels/matmul-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import { benchProbe } from './bench-probe';
import { benchReid } from './bench-reid';
import { benchTrain } from './bench-train';
import { startNodeWebGPU } from './lib/node-webgpu';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm,cpu' },
    suites: { type: 'string', default: 'groupnorm,unet,reid,train,probe' },
    runs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench-results/bench.json' },
    /** Images in the probe suite's grid (default 2,000; 200 on SwiftShader). */
    'probe-images': { type: 'string' },
  },
});

/** GroupNorm shapes of the DDAE UNets: the tiny MNIST model and the official 35.7M CIFAR-10 model. */
const CASES: { name: string; shape: Nhwc; groups: number; silu: boolean }[] = [
  { name: 'mnist-tiny 28x28x32 b16', shape: [16, 28, 28, 32], groups: 32, silu: true },
  { name: 'cifar-35.7M 32x32x128 b1', shape: [1, 32, 32, 128], groups: 32, silu: true },
  { name: 'cifar-35.7M 32x32x128 b16', shape: [16, 32, 32, 128], groups: 32, silu: true },
  { name: 'cifar-35.7M 16x16x256 b16', shape: [16, 16, 16, 256], groups: 32, silu: true },
];

/** One denoiser evaluation per sampler step: the network is what a step costs. */
const UNET_CASES: { name: string; config: UNetConfig; batch: number; backends: string[]; runs: number }[] = [
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
  // SwiftShader and the plain cpu backend need minutes per call for the 35.7M network; wasm only here.
  { name: 'cifar-35.7M-unet b1', config: DDPM_CIFAR10_35M, batch: 1, backends: ['wasm'], runs: 3 },
  { name: 'cifar-35.7M-unet b16', config: DDPM_CIFAR10_35M, batch: 16, backends: ['wasm'], runs: 1 },
];

async function timeMs(run: () => tf.Tensor, runs: number): Promise<number> {
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

async function selectBackend(name: string): Promise<boolean> {
  try {
    if (name === 'webgpu') await startNodeWebGPU();
    else if (!(await tf.setBackend(name))) return false;
    await tf.ready();
    return tf.getBackend() === name;
  } catch (e) {
    console.warn(`skipping ${name}: ${(e as Error).message}`);
    return false;
  }
}

async function main(): Promise<void> {
  const runs = Number(args.runs);
  const suites = new Set(args.suites.split(','));
  const results: Record<string, unknown>[] = [];
  for (const backend of args.backends.split(',')) {
    if (!(await selectBackend(backend))) continue;
    const adapter =
      backend === 'webgpu'
        ? (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } })
            .adapterInfo
        : undefined;
    for (const c of suites.has('groupnorm') ? CASES : []) {
      const inputs = randomInputs(c.shape, 1);
      const x = tf.tensor4d(inputs.x, c.shape);
      const gamma = tf.tensor1d(inputs.gamma);
      const beta = tf.tensor1d(inputs.beta);
      const attrs = { groups: c.groups, eps: 1e-5, silu: c.silu };
      const kernelMs = await timeMs(() => groupNorm(x, gamma, beta, attrs), runs);
      const tfOpsMs = await timeMs(() => groupNormByTfOps(x, gamma, beta, attrs), runs);
      tf.dispose([x, gamma, beta]);
      const row = {
        op: 'GroupNorm+SiLU',
        case: c.name,
        backend,
        adapter: adapter ? `${adapter.vendor}/${adapter.architecture}` : null,
        kernel: backend === 'webgpu' ? 'WGSL' : 'CPU reference',
        kernelMs: Number(kernelMs.toFixed(3)),
        tfOpsMs: Number(tfOpsMs.toFixed(3)),
        speedup: Number((tfOpsMs / kernelMs).toFixed(2)),
      };
      results.push(row);
      console.log(
        `${backend.padEnd(7)} ${c.name.padEnd(28)} ${row.kernel.padEnd(14)} ${kernelMs.toFixed(2).padStart(9)} ms   tf ops ${tfOpsMs.toFixed(2).padStart(9)} ms   x${row.speedup}`,
      );
    }
    for (const c of suites.has('unet') ? UNET_CASES.filter((u) => u.backends.includes(backend)) : []) {
      const model = createUNet(c.config, 'random', 1);
      const [ch, h, w] = model.imageShape;
      const x = tf.randomNormal([c.batch, h, w, ch]) as tf.Tensor4D;
      const t = tf.fill([c.batch], 0.5) as tf.Tensor1D;
      // On wasm, time tfjs' own matmul and ours (1x1 convolutions on XNNPACK) side by side.
      const variants = backend === 'wasm' ? ['xnnpack-matmul', 'tfjs-matmul'] : ['default'];
      for (const variant of variants) {
        setWasmMatMulViaConv(variant !== 'tfjs-matmul');
        const ms = await timeMs(() => model.forward(x, t).eps, c.runs);
        const gflop = (unetFlops(c.config) * c.batch) / 1e9;
        results.push({
          op: 'UNet forward (one sampler step)',
          case: c.name,
          backend,
          variant,
          msPerStep: Number(ms.toFixed(1)),
          gflopPerStep: Number(gflop.toFixed(3)),
          gflopsPerSecond: Number((gflop / (ms / 1000)).toFixed(2)),
        });
        console.log(
          `${backend.padEnd(7)} ${c.name.padEnd(28)} ${variant.padEnd(15)} ${ms.toFixed(1).padStart(9)} ms per denoise step  ${(gflop / (ms / 1000)).toFixed(2)} GFLOP/s`,
        );
      }
      setWasmMatMulViaConv(true);
      tf.dispose([x, t]);
      model.dispose();
    }
    if (suites.has('train') && backend !== 'cpu') results.push(...(await benchTrain({ backend })));
    if (suites.has('reid')) results.push({ op: 'ReID local distance', ...(await benchReid({ backend })) });
    if (suites.has('probe')) {
      const images = args['probe-images'] ? Number(args['probe-images']) : undefined;
      results.push(...(await benchProbe({ backend, images })));
    }
  }
  const report = {
    date: new Date().toISOString(),
    node: process.version,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    runs,
    note: 'median ms per call including the readback; webgpu here is SwiftShader unless a GPU adapter is named',
    results,
  };
  mkdirSync(dirname(args.out), { recursive: true });
  writeFileSync(args.out, JSON.stringify(report, null, 2));
  console.log(`wrote ${args.out}`);
}

await main();
process.exit(0);
