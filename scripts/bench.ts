/**
 * `npm run bench`: times our kernels against the tfjs-ops formulation they replace, side by side in one
 * run on each backend, and writes JSON. Absolute times on SwiftShader (webgpu without a GPU) mean nothing;
 * the ratios measured in the same run mean a little. Run it on a real GPU machine for real figures.
 *
 *   npm run bench -- [--backends webgpu,wasm,cpu] [--suites groupnorm,unet,reid,train,probe,browser]
 *                    [--browser-cases 'reid-local 1000x5000 H8 c128,cifar-35.7M-unet b1']
 *                    [--runs 10] [--out bench-results/bench.json] [--no-build]
 *
 * The `browser` suite builds the app, serves it cross-origin isolated and drives `bench.html` in Chromium:
 * the denoise step on wasm with tfjs' thread pool and with one thread per core (as the app runs), and on
 * WebGPU (SwiftShader here, the tiny model only).
 */
import './lib/relaxed-simd';
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { benchUNetStep, medianMs, UNET_BENCH_CASES } from '../src/core/bench/unet-step';
import { customKernelPath } from '../src/core/gpu/kernels/custom-kernel';
import { GROUP_NORM_KERNEL, groupNorm } from '../src/core/gpu/kernels/group-norm';
import { groupNormByTfOps, type Nhwc, randomInputs } from '../src/core/gpu/kernels/group-norm.fixtures';
import { setGroupNormSimd } from '../src/core/gpu/kernels/group-norm-wasm';
import { setWasmMatMulViaConv } from '../src/core/gpu/kernels/matmul-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import { benchProbe } from './bench-probe';
import { benchReid } from './bench-reid';
import { benchTrain } from './bench-train';
import { runBrowserBench } from './lib/browser-bench';
import { startNodeWebGPU } from './lib/node-webgpu';

const { values: args } = parseArgs({
  options: {
    backends: { type: 'string', default: 'webgpu,wasm,cpu' },
    suites: { type: 'string', default: 'groupnorm,unet,reid,train,probe,browser' },
    /** Skip `vite build` before the browser suite (dist/ already built). */
    'no-build': { type: 'boolean', default: false },
    /** Comma-separated bench-page cases of the browser suite (default: all). */
    'browser-cases': { type: 'string' },
    runs: { type: 'string', default: '10' },
    out: { type: 'string', default: 'bench-results/bench.json' },
    /** Images in the probe suite's grid (default 2,000; 200 on SwiftShader). */
    'probe-images': { type: 'string' },
  },
});

const CPU_TRAIN_CASES = [
  { arch: 'unet', preset: 'tiny', batch: 16, steps: 1 },
  { arch: 'dit', preset: 'tiny', batch: 16, steps: 2 },
] as const satisfies Parameters<typeof benchTrain>[0]['cases'];

/** GroupNorm shapes of the DDAE UNets: the tiny MNIST model and the official 35.7M CIFAR-10 model. */
const CASES: { name: string; shape: Nhwc; groups: number; silu: boolean }[] = [
  { name: 'mnist-tiny 28x28x32 b16', shape: [16, 28, 28, 32], groups: 32, silu: true },
  { name: 'cifar-35.7M 32x32x128 b1', shape: [1, 32, 32, 128], groups: 32, silu: true },
  { name: 'cifar-35.7M 32x32x128 b16', shape: [16, 32, 32, 128], groups: 32, silu: true },
  { name: 'cifar-35.7M 16x16x256 b16', shape: [16, 16, 16, 256], groups: 32, silu: true },
];

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
      const dy = tf.randomNormal(c.shape);
      const attrs = { groups: c.groups, eps: 1e-5, silu: c.silu };
      type Norm = (x: tf.Tensor4D, gamma: tf.Tensor1D, beta: tf.Tensor1D, a: typeof attrs) => tf.Tensor;
      const gradient = (f: Norm) => () =>
        tf.tidy(() => {
          const g = tf.grads((a, b, d) => f(a as tf.Tensor4D, b as tf.Tensor1D, d as tf.Tensor1D, attrs))(
            [x, gamma, beta],
            dy,
          );
          return tf.concat(g.map((t) => t.flatten()));
        });
      const kernelMs = await medianMs(() => groupNorm(x, gamma, beta, attrs), runs);
      const gradMs = await medianMs(gradient(groupNorm), runs);
      const tfOpsMs = await medianMs(() => groupNormByTfOps(x, gamma, beta, attrs), runs);
      const tfOpsGradMs = await medianMs(gradient(groupNormByTfOps), runs);
      // Off webgpu, the plain-TypeScript references the SIMD kernels replaced, side by side.
      let referenceMs: number | null = null;
      let referenceGradMs: number | null = null;
      const kernel = customKernelPath(GROUP_NORM_KERNEL);
      if (kernel === 'wasm-simd') {
        setGroupNormSimd(false);
        referenceMs = await medianMs(() => groupNorm(x, gamma, beta, attrs), runs);
        referenceGradMs = await medianMs(gradient(groupNorm), runs);
        setGroupNormSimd(true);
      }
      tf.dispose([x, gamma, beta, dy]);
      const ms = (v: number | null) => (v === null ? null : Number(v.toFixed(3)));
      const row = {
        op: 'GroupNorm+SiLU',
        case: c.name,
        backend,
        adapter: adapter ? `${adapter.vendor}/${adapter.architecture}` : null,
        kernel,
        kernelMs: ms(kernelMs),
        tfOpsMs: ms(tfOpsMs),
        speedup: Number((tfOpsMs / kernelMs).toFixed(2)),
        referenceMs: ms(referenceMs),
        gradMs: ms(gradMs),
        tfOpsGradMs: ms(tfOpsGradMs),
        referenceGradMs: ms(referenceGradMs),
        gradSpeedup: Number((tfOpsGradMs / gradMs).toFixed(2)),
      };
      results.push(row);
      console.log(
        `${backend.padEnd(7)} ${c.name.padEnd(28)} ${kernel.padEnd(13)} fwd ${kernelMs.toFixed(2).padStart(8)} ms (tf ops ${tfOpsMs.toFixed(2)}${referenceMs === null ? '' : `, reference ${referenceMs.toFixed(2)}`})   fwd+grad ${gradMs.toFixed(2).padStart(8)} ms (tf ops ${tfOpsGradMs.toFixed(2)}${referenceGradMs === null ? '' : `, reference ${referenceGradMs.toFixed(2)}`})`,
      );
    }
    for (const c of suites.has('unet') ? UNET_BENCH_CASES.filter((u) => u.backends.includes(backend)) : []) {
      // On wasm, time tfjs' own matmul and ours (1x1 convolutions on XNNPACK) side by side.
      const variants =
        backend === 'wasm'
          ? [
              { name: 'xnnpack-matmul', before: () => setWasmMatMulViaConv(true) },
              { name: 'tfjs-matmul', before: () => setWasmMatMulViaConv(false) },
              // GroupNorm on the TypeScript reference instead of the SIMD kernel (matmul as the default).
              {
                name: 'js-groupnorm',
                before: () => {
                  setWasmMatMulViaConv(true);
                  setGroupNormSimd(false);
                },
              },
            ]
          : [{ name: 'default' }];
      for (const r of await benchUNetStep(c, variants)) {
        results.push({ op: 'UNet forward (one sampler step)', case: c.name, backend, runtime: 'node', ...r });
        console.log(
          `${backend.padEnd(7)} ${c.name.padEnd(28)} ${r.variant.padEnd(15)} ${r.msPerStep.toFixed(1).padStart(9)} ms per denoise step  ${r.gflopsPerSecond.toFixed(2)} GFLOP/s`,
        );
      }
      setWasmMatMulViaConv(true);
      setGroupNormSimd(true);
    }
    if (suites.has('train')) {
      // tfjs-cpu takes minutes per step of the small presets (its convolutions are scalar loops): tiny only.
      const cases = backend === 'cpu' ? CPU_TRAIN_CASES : undefined;
      results.push(...(await benchTrain({ backend, cases })));
    }
    if (suites.has('reid')) results.push({ op: 'ReID local distance', ...(await benchReid({ backend })) });
    if (suites.has('probe')) {
      const images = args['probe-images'] ? Number(args['probe-images']) : undefined;
      results.push(...(await benchProbe({ backend, images })));
    }
  }
  if (suites.has('browser')) {
    const browserBackends = args.backends.split(',').filter((b) => b === 'wasm' || b === 'webgpu');
    const rows = await runBrowserBench({
      backends: browserBackends,
      build: !args['no-build'],
      cases: args['browser-cases']?.split(','),
    });
    for (const r of rows) {
      const rate =
        r.pairsPerSecond !== undefined
          ? `${(r.pairsPerSecond / 1e6).toFixed(3).padStart(9)} M pairs/s`
          : `${r.msPerStep.toFixed(1).padStart(9)} ms per denoise step`;
      console.log(
        `chromium ${r.backend.padEnd(7)} ${r.case.padEnd(24)} ${r.variant.padEnd(15)} ${rate}  ${r.gflopsPerSecond.toFixed(2)} GFLOP/s  ${r.threads ?? '-'} threads`,
      );
    }
    results.push(...rows.map((r) => ({ ...r })));
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
  writeFileSync(args.out, `${JSON.stringify(report, null, 2)}\n`);
  console.log(`wrote ${args.out}`);
}

await main();
process.exit(0);
