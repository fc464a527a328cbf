/**
 * Training throughput for `npm run bench -- --suites train`: optimizer steps/s (DDPM objective, Adam, EMA,
 * gradient clipping: the whole step the CLI and the browser run) for the training presets on one backend.
 * On wasm each case also runs data-parallel over one thread per core (`npm run train`'s default there),
 * side by side with one thread.
 */
import { availableParallelism } from 'node:os';
import { range } from '../src/core/data/splits';
import { presetConfig, type TrainArch, type TrainPresetId } from '../src/core/diffusion/train/presets';
import { DEFAULT_TRAIN_SETTINGS } from '../src/core/diffusion/train/trainer';
import { TrainingRun } from '../src/core/diffusion/train/training-run';
import { customKernelPath } from '../src/core/gpu/kernels/custom-kernel';
import { GROUP_NORM_KERNEL, registerGroupNorm } from '../src/core/gpu/kernels/group-norm';
import { setGroupNormSimd } from '../src/core/gpu/kernels/group-norm-wasm';
import { randomDigits } from './lib/bench-data';
import { startGradientThreads } from './lib/gradient-threads';

export type TrainBenchRow = {
  op: 'training step';
  case: string;
  backend: string;
  batch: number;
  /** Threads sharing each batch (1: the main thread alone). */
  threads: number;
  /** GroupNorm's forward and backward path off webgpu: the SIMD kernels or the TypeScript references. */
  groupNorm: 'wasm-simd' | 'js-reference' | 'default';
  msPerStep: number;
  stepsPerSecond: number;
  imagesPerSecond: number;
};

export async function benchTrain(options: {
  backend: string;
  cases?: { arch: TrainArch; preset: TrainPresetId; batch: number; steps: number }[];
  threads?: number[];
}): Promise<TrainBenchRow[]> {
  const threadCounts =
    options.threads ?? (options.backend === 'wasm' ? [1, Math.min(4, availableParallelism())] : [1]);
  const cases = options.cases ?? [
    { arch: 'unet', preset: 'tiny', batch: 16, steps: 8 },
    { arch: 'unet', preset: 'small', batch: 16, steps: 6 },
    { arch: 'dit', preset: 'tiny', batch: 16, steps: 20 },
    { arch: 'dit', preset: 'small', batch: 16, steps: 6 },
  ];
  const data = randomDigits(64);
  const rows: TrainBenchRow[] = [];
  registerGroupNorm();
  const simd =
    options.backend !== 'webgpu' && customKernelPath(GROUP_NORM_KERNEL, options.backend) === 'wasm-simd';
  for (const c of cases) {
    // The UNet's GroupNorms on the SIMD kernels and, side by side on one thread (helper threads keep their
    // own switch), on the TypeScript references they replaced. The DiT has no GroupNorm.
    const runs: { threads: number; groupNorm: TrainBenchRow['groupNorm'] }[] = [
      ...[...new Set(threadCounts)].map((threads) => ({
        threads,
        groupNorm: simd && c.arch === 'unet' ? ('wasm-simd' as const) : ('default' as const),
      })),
      ...(simd && c.arch === 'unet' ? [{ threads: 1, groupNorm: 'js-reference' as const }] : []),
    ];
    for (const { threads, groupNorm } of runs) {
      setGroupNormSimd(groupNorm !== 'js-reference');
      const made = TrainingRun.create(presetConfig(c.arch, c.preset, [1, 28, 28]), data, range(0, 64), {
        ...DEFAULT_TRAIN_SETTINGS,
        batchSize: c.batch,
      });
      if (!made.ok) throw new Error(made.error);
      const run = made.value;
      const helpers = threads > 1 ? await startGradientThreads(threads - 1, run.configJson) : [];
      run.shareBatchesWith(helpers);
      // Shader compilation, operator set-up and the helpers' first step.
      for (let i = 0; i < 2; i++) await run.trainStep();
      const started = performance.now();
      for (let i = 0; i < c.steps; i++) await run.trainStep();
      const ms = (performance.now() - started) / c.steps;
      for (const h of helpers) await h.close();
      run.dispose();
      setGroupNormSimd(true);
      const row: TrainBenchRow = {
        op: 'training step',
        case: `${c.arch}-${c.preset} b${c.batch}`,
        backend: options.backend,
        batch: c.batch,
        threads,
        groupNorm,
        msPerStep: Number(ms.toFixed(1)),
        stepsPerSecond: Number((1000 / ms).toFixed(3)),
        imagesPerSecond: Number(((1000 * c.batch) / ms).toFixed(1)),
      };
      console.log(
        `${options.backend.padEnd(7)} train ${row.case.padEnd(20)} ${String(threads).padStart(2)} thread(s) ${row.msPerStep.toFixed(0).padStart(8)} ms/step  ${row.imagesPerSecond} images/s  GroupNorm ${groupNorm}`,
      );
      rows.push(row);
    }
  }
  return rows;
}
