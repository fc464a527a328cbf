/**
 * Probing throughput for `npm run bench -- --suites probe` on one backend:
 * - feature extraction: images/s through the network with every tap pooled (x_t built on the host,
 *   one forward at batch 32, the pooled taps read back), for the shipped architectures (small UNet and
 *   small DiT at 28×28, random weights: speed does not depend on them);
 * - probe training: the default grid (6 timesteps × the small UNet's taps) on `images` images (80% train,
 *   20% test), linear probe (15 epochs, batch 128) and kNN (k = 20), on synthetic features of the taps'
 *   widths; plus the whole grid's time estimated from the two.
 *
 *   npx tsx scripts/bench-probe.ts [--backend wasm] [--images 2000] [--seconds 20]
 */
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import type { Denoiser } from '../src/core/diffusion/denoiser';
import { gaussianNoise } from '../src/core/diffusion/rng';
import { presetConfig, type TrainArch } from '../src/core/diffusion/train/presets';
import { createFromConfig } from '../src/core/io/denoiser-from-checkpoint';
import { DEFAULT_GRID, extractFeatures, knnProbe, tapNames, trainLinearProbe } from '../src/core/probe';
import { randomDigits } from './lib/bench-data';
import { startNodeWebGPU } from './lib/node-webgpu';

export interface ProbeBenchOptions {
  backend: string;
  /** Images in the probe-training grid (default 2,000; 200 on SwiftShader, a CPU emulation of a GPU). */
  images?: number;
  /** Time budget for each extraction measurement, after one warm-up batch. */
  maxSeconds?: number;
  /** Images per forward while extracting. */
  batch?: number;
  archs?: TrainArch[];
}

export type ProbeBenchRow =
  | {
      op: 'probe feature extraction';
      case: string;
      backend: string;
      batch: number;
      images: number;
      taps: number;
      imagesPerSecond: number;
    }
  | {
      op: 'probe grid training';
      case: string;
      backend: string;
      trainImages: number;
      testImages: number;
      cells: number;
      epochs: number;
      linearSeconds: number;
      knnSeconds: number;
      msPerCell: number;
      /** Extraction (images × timesteps at the measured rate) plus the probes: the grid's wall time. */
      estimatedGridSeconds: number | null;
    };

function smallModel(arch: TrainArch): Denoiser {
  const made = createFromConfig(presetConfig(arch, 'small', [1, 28, 28]), 'random', 1);
  if (!made.ok) throw new Error(made.error);
  return made.value.model;
}

/** Class-dependent Gaussian features of width `dim` (what a probe sees; its speed ignores the values). */
function syntheticFeatures(n: number, dim: number, seed: number) {
  const noise = gaussianNoise(seed, 0, n * dim);
  const centres = gaussianNoise(7, 0, 10 * dim);
  const labels = Int32Array.from({ length: n }, (_, i) => i % 10);
  const data = Float32Array.from(noise, (v, k) => v + centres[labels[Math.floor(k / dim)] * dim + (k % dim)]);
  return { dim, data, labels };
}

export async function benchProbe(options: ProbeBenchOptions): Promise<ProbeBenchRow[]> {
  const { backend } = options;
  // SwiftShader needs ~8 s per probe cell at 500 images (each Adam step is ~45 dispatches): keep it short.
  const swiftShader =
    backend === 'webgpu' &&
    (tf.backend() as unknown as { adapterInfo?: { architecture?: string } }).adapterInfo?.architecture ===
      'swiftshader';
  const images = options.images ?? (swiftShader ? 200 : 2000);
  const maxSeconds = options.maxSeconds ?? 20;
  // SwiftShader (webgpu without a GPU) and the plain cpu backend take seconds per image: smaller batches.
  const batch = options.batch ?? (backend === 'wasm' || backend === 'webgl' ? DEFAULT_GRID.featureBatch : 8);
  const rows: ProbeBenchRow[] = [];
  const data = randomDigits(Math.max(batch, 256));
  const rates = new Map<TrainArch, number>();
  const widths = new Map<TrainArch, number[]>();

  for (const arch of options.archs ?? (['unet', 'dit'] as TrainArch[])) {
    const model = smallModel(arch);
    const warm = await extractFeatures(
      model,
      data,
      Int32Array.from({ length: batch }, (_, i) => i),
      {
        t: 11,
        batchSize: batch,
        seed: 0,
      },
    );
    widths.set(
      arch,
      [...warm.values()].map((f) => f.dim),
    );
    let done = 0;
    const started = performance.now();
    while (performance.now() - started < maxSeconds * 1000 || done === 0) {
      const indices = Int32Array.from({ length: batch }, (_, i) => (done + i) % data.labels.length);
      await extractFeatures(model, data, indices, { t: 11, batchSize: batch, seed: 1 });
      done += batch;
    }
    const rate = done / ((performance.now() - started) / 1000);
    rates.set(arch, rate);
    rows.push({
      op: 'probe feature extraction',
      case: `${arch}-small 28x28`,
      backend,
      batch,
      images: done,
      taps: tapNames(model).length,
      imagesPerSecond: Number(rate.toFixed(2)),
    });
    console.log(
      `${backend.padEnd(7)} probe features ${arch}-small b${batch}: ${rate.toFixed(2)} images/s (${tapNames(model).length} taps)`,
    );
    model.dispose();
  }

  // The default grid on `images` images: 6 timesteps × the small UNet's taps (or its nominal widths).
  const dims = widths.get('unet') ?? [64, 64, 64, 64, 32, 32];
  const nTrain = Math.round(images * 0.8);
  const nTest = images - nTrain;
  const timesteps = DEFAULT_GRID.timesteps.length;
  let linearMs = 0;
  let knnMs = 0;
  for (let ti = 0; ti < timesteps; ti++) {
    for (const [k, dim] of dims.entries()) {
      const train = syntheticFeatures(nTrain, dim, 100 + ti * 16 + k);
      const test = syntheticFeatures(nTest, dim, 500 + ti * 16 + k);
      let t0 = performance.now();
      await trainLinearProbe(train, test, 10, DEFAULT_GRID.probe);
      linearMs += performance.now() - t0;
      t0 = performance.now();
      await knnProbe(train, test, 10, DEFAULT_GRID.knnK);
      knnMs += performance.now() - t0;
    }
  }
  const cells = timesteps * dims.length;
  const unetRate = rates.get('unet');
  const estimate = unetRate ? (images * timesteps) / unetRate + (linearMs + knnMs) / 1000 : null;
  rows.push({
    op: 'probe grid training',
    case: `default grid (${timesteps} t × ${dims.length} taps), ${images} images`,
    backend,
    trainImages: nTrain,
    testImages: nTest,
    cells,
    epochs: DEFAULT_GRID.probe.epochs,
    linearSeconds: Number((linearMs / 1000).toFixed(2)),
    knnSeconds: Number((knnMs / 1000).toFixed(2)),
    msPerCell: Number(((linearMs + knnMs) / cells).toFixed(1)),
    estimatedGridSeconds: estimate === null ? null : Number(estimate.toFixed(1)),
  });
  console.log(
    `${backend.padEnd(7)} probe grid ${cells} cells on ${images} images: linear ${(linearMs / 1000).toFixed(1)} s + kNN ${(knnMs / 1000).toFixed(1)} s` +
      (estimate === null ? '' : `; whole grid with extraction ≈ ${estimate.toFixed(0)} s`),
  );
  return rows;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values: a } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      images: { type: 'string' },
      seconds: { type: 'string', default: '20' },
    },
  });
  if (a.backend === 'webgpu') await startNodeWebGPU();
  else if (!(await tf.setBackend(a.backend as string))) throw new Error(`no ${a.backend} backend`);
  await tf.ready();
  const rows = await benchProbe({
    backend: a.backend as string,
    images: a.images ? Number(a.images) : undefined,
    maxSeconds: Number(a.seconds),
  });
  console.log(JSON.stringify(rows, null, 2));
  process.exit(0);
}
