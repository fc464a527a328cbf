/**
 * `npm run probe`: the DDAE grid (linear probe per timestep × tap, kNN, raw-pixel baseline) with the same
 * code the browser's Probing panel runs. Writes the result as JSON and a markdown table.
 *
 *   npm run probe -- --model public/models/mnist-unet-small --data mnist --t 1,11,21,51,101,201 --out results/probe-mnist-unet
 *   npm run probe -- --model runs/unet.safetensors --data /usr/share/datasets/fashion-mnist --train 2000 --test 1000
 *
 * --model: a .safetensors checkpoint (training checkpoints use their EMA weights) or a folder holding
 * model.safetensors. --data: `mnist` (embedded, 8,000 train / 2,000 test) or any file or folder the app's
 * upload accepts (idx(.gz), CIFAR-10 batches, PNG folders, zip). --out DIR writes DIR/probe.json and
 * DIR/probe.md (or FILE.json and FILE.md when it ends in .json). --taps: names (out_1,out_2), or `all` for
 * the UNet's encoder taps enc_k and the middle block too (default: the decoder taps, as DDAE).
 * --threads N (default: one per core on wasm) extracts the features on N worker threads, each with its own
 * tfjs-wasm; the features are those one thread computes.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
// Kernels the wasm backend lacks or runs slowly (see src/core/gpu/kernels).
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import { denoiserFromCheckpoint } from '../src/core/io/denoiser-from-checkpoint';
import {
  allTapNames,
  DEFAULT_GRID,
  DEFAULT_TIMESTEPS,
  markdownTable,
  type ProbeGridSettings,
  parseTimesteps,
  runProbeGrid,
} from '../src/core/probe';
import { startFeatureThreads } from './lib/feature-threads';
import { resolveModelFile } from './lib/model-file';
import { loadCliData } from './lib/node-data';
import { ProgressBar } from './lib/progress';
import { threadsOption } from './lib/threads-option';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' },
    config: { type: 'string' },
    data: { type: 'string', default: 'mnist' },
    t: { type: 'string', default: DEFAULT_TIMESTEPS.join(',') },
    taps: { type: 'string' },
    train: { type: 'string', default: String(DEFAULT_GRID.trainCount) },
    test: { type: 'string', default: String(DEFAULT_GRID.testCount) },
    epochs: { type: 'string', default: String(DEFAULT_GRID.probe.epochs) },
    lr: { type: 'string', default: String(DEFAULT_GRID.probe.lr) },
    batch: { type: 'string', default: String(DEFAULT_GRID.probe.batchSize) },
    'feature-batch': { type: 'string', default: String(DEFAULT_GRID.featureBatch) },
    'no-standardize': { type: 'boolean', default: false },
    'knn-k': { type: 'string', default: String(DEFAULT_GRID.knnK) },
    'no-knn': { type: 'boolean', default: false },
    'no-baseline': { type: 'boolean', default: false },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`probe: ${message}`);
  process.exit(1);
}

const int = (name: keyof typeof a, min = 1) => {
  const v = Number(a[name]);
  if (!Number.isInteger(v) || v < min) fail(`--${name} must be an integer ≥ ${min}, got ${a[name]}`);
  return v;
};

function outputPaths(out: string): { json: string; md: string } {
  if (out.endsWith('.json')) return { json: out, md: out.replace(/\.json$/, '.md') };
  return { json: join(out, 'probe.json'), md: join(out, 'probe.md') };
}

async function main(): Promise<void> {
  if (!a.model) fail('give --model FILE.safetensors (or a folder with model.safetensors)');
  if (!(await tf.setBackend(a.backend as string))) fail(`the ${a.backend} backend is not available here`);
  await tf.ready();
  const resolved = resolveModelFile(a.model);
  if (!resolved.ok) fail(resolved.error);
  const file = resolved.value;
  const sidecar = a.config ? readFileSync(a.config, 'utf8') : undefined;
  const checkpoint = new Uint8Array(readFileSync(file));
  const loaded = denoiserFromCheckpoint(checkpoint, basename(file), sidecar);
  if (!loaded.ok) fail(loaded.error);
  const { model } = loaded.value;
  const name = basename(file) === 'model.safetensors' ? basename(dirname(file)) : basename(file);
  const timesteps = parseTimesteps(a.t as string);
  if (!timesteps.ok) fail(timesteps.error);
  const data = await loadCliData(a.data as string);
  const settings: ProbeGridSettings = {
    timesteps: timesteps.value,
    // `all` adds the UNet's encoder and middle taps to the decoder taps probed by default.
    taps: a.taps === 'all' ? allTapNames(model) : a.taps ? a.taps.split(',').map((s) => s.trim()) : null,
    trainCount: int('train'),
    testCount: int('test'),
    featureBatch: int('feature-batch'),
    seed: int('seed', 0),
    probe: {
      epochs: int('epochs'),
      lr: Number(a.lr),
      batchSize: int('batch'),
      standardize: !a['no-standardize'],
      seed: int('seed', 0),
    },
    knn: !a['no-knn'],
    knnK: int('knn-k'),
    rawBaseline: !a['no-baseline'],
  };
  if (!(settings.probe.lr > 0)) fail(`--lr must be positive, got ${a.lr}`);
  console.error(
    `probing ${name} (${model.arch}, ${model.imageShape.join('×')}) on ${data.dataset.name}, ${tf.getBackend()} backend`,
  );
  const controller = new AbortController();
  process.on('SIGINT', () => {
    console.error('\nstopping after the step in flight (Ctrl-C again to quit now)');
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  });
  const threadCount = threadsOption(a.threads, a.backend as string, 'feature');
  if (!threadCount.ok) fail(threadCount.error);
  const threads = threadCount.value;
  // Feature extraction (most of a grid's time) on worker threads; the probes train here.
  const featureThreads =
    threads > 1
      ? await startFeatureThreads(
          {
            checkpoint,
            name: basename(file),
            sidecar,
            dataset: data.dataset,
          },
          threads,
        ).catch((e: Error) => fail(e.message))
      : null;
  let bar: ProgressBar | null = null;
  const result = await runProbeGrid(model, name, data, settings, {
    signal: controller.signal,
    ...(featureThreads && { extract: featureThreads.extract }),
    onStart: ({ train, test, taps, notes }) => {
      for (const n of notes) console.error(n);
      console.error(
        `${train.length} train / ${test.length} test images; taps ${taps.join(', ')}; t = ${settings.timesteps.join(', ')}`,
      );
    },
    onProgress: (p) => {
      bar ??= new ProgressBar(p.total, 0, 'units');
      bar.update(p.done, { at: p.label });
    },
    onBaseline: (b) =>
      console.error(
        `\nraw pixels: ${(100 * b.accuracy).toFixed(2)}% linear${b.knnAccuracy !== null ? `, ${(100 * b.knnAccuracy).toFixed(2)}% kNN` : ''}`,
      ),
    onCell: (c) =>
      console.error(
        `\nt = ${c.t} ${c.tap}: ${c.status === 'done' ? `${(100 * (c.accuracy ?? 0)).toFixed(2)}% linear${c.knnAccuracy !== null ? `, ${(100 * c.knnAccuracy).toFixed(2)}% kNN` : ''}` : `${c.status}: ${c.error}`}`,
      ),
  })
    .catch((e: Error) => fail(e.message))
    .finally(() => featureThreads?.close());
  (bar as ProgressBar | null)?.done();
  model.dispose();
  const md = markdownTable(result);
  console.log(md);
  if (a.out) {
    const paths = outputPaths(a.out);
    mkdirSync(dirname(paths.json), { recursive: true });
    writeFileSync(paths.json, `${JSON.stringify({ ...result, modelFile: file, data: a.data }, null, 2)}\n`);
    writeFileSync(paths.md, md);
    console.error(`wrote ${paths.json} and ${paths.md}`);
  }
}

await main();
process.exit(0);
