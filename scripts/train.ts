/**
 * `npm run train`: trains a diffusion model with the same code the browser's Training panel runs.
 *
 *   npm run train -- --data mnist --arch unet --preset small --steps 2000 --batch 16 --out runs/unet.safetensors
 *   npm run train -- --resume runs/unet.safetensors --steps 4000      (continue to step 4000)
 *   npm run train -- --resume runs/unet.safetensors --steps 6000 --decay-from 4000 --decay-to 6000
 *                                                          (anneal: cosine learning rate to 0 at step 6000)
 *   npm run train -- --resume runs/unet.safetensors --steps 8000 --lr 3e-4 --decay-from 6000 --decay-to 8000
 *                                                          (a gentler second cycle, peak 3e-4)
 *
 * --threads N (default: one per core on wasm) splits each batch between N threads, each with its own
 * tfjs-wasm (tfjs runs wasm on one thread in Node); the update is the same up to float rounding.
 *
 * The output is a training checkpoint (EMA + online weights, Adam state, step, settings, loss log), saved
 * every --save-every steps and on Ctrl-C; it imports directly into the app's Sampling panel.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import {
  presetConfig,
  TRAIN_PRESET_IDS,
  type TrainArch,
  type TrainPresetId,
} from '../src/core/diffusion/train/presets';
import {
  DEFAULT_TRAIN_SETTINGS,
  type LrDecay,
  NonFiniteLossError,
} from '../src/core/diffusion/train/trainer';
import { TrainingRun } from '../src/core/diffusion/train/training-run';
import { yieldToEventLoop } from '../src/core/job';
import { startGradientThreads } from './lib/gradient-threads';
import { loadCliData } from './lib/node-data';
import { ProgressBar } from './lib/progress';
import { threadsOption } from './lib/threads-option';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: 'mnist' },
    arch: { type: 'string', default: 'unet' },
    preset: { type: 'string', default: 'small' },
    steps: { type: 'string', default: '1000' },
    batch: { type: 'string', default: String(DEFAULT_TRAIN_SETTINGS.batchSize) },
    lr: { type: 'string' }, // default applies to new runs; on --resume it restarts at a new peak
    warmup: { type: 'string', default: String(DEFAULT_TRAIN_SETTINGS.warmupSteps) },
    ema: { type: 'string', default: String(DEFAULT_TRAIN_SETTINGS.emaBeta) },
    hflip: { type: 'boolean', default: false },
    dropout: { type: 'string', default: '0' },
    seed: { type: 'string', default: '0' },
    out: { type: 'string' },
    resume: { type: 'string' },
    'save-every': { type: 'string', default: '100' },
    'decay-from': { type: 'string' },
    'decay-to': { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`train: ${message}`);
  process.exit(1);
}

const num = (name: keyof typeof a) => {
  const v = Number(a[name]);
  if (!Number.isFinite(v)) fail(`--${name} must be a number, got ${a[name]}`);
  return v;
};

async function main(): Promise<void> {
  if (!(await tf.setBackend(a.backend as string))) fail(`the ${a.backend} backend is not available here`);
  await tf.ready();
  const out = a.out ?? a.resume;
  if (!out) fail('give --out FILE.safetensors (or --resume FILE)');
  const data = await loadCliData(a.data as string);
  const targetSteps = num('steps');
  let decay: LrDecay | undefined;
  if (a['decay-from'] !== undefined || a['decay-to'] !== undefined) {
    if (a['decay-from'] === undefined || a['decay-to'] === undefined)
      fail('give both --decay-from and --decay-to');
    decay = { fromStep: num('decay-from'), toStep: num('decay-to') };
  }
  let run: TrainingRun;
  if (a.resume) {
    if (!existsSync(a.resume)) fail(`no checkpoint at ${a.resume}`);
    const r = TrainingRun.resume(new Uint8Array(readFileSync(a.resume)), a.resume, data.dataset, data.train, {
      decay,
      lr: a.lr === undefined ? undefined : num('lr'),
    });
    if (!r.ok) fail(r.error);
    run = r.value;
    console.error(`resumed ${a.resume} at step ${run.step}`);
  } else {
    if (a.arch !== 'unet' && a.arch !== 'dit') fail(`--arch must be unet or dit, got ${a.arch}`);
    if (!TRAIN_PRESET_IDS.includes(a.preset as TrainPresetId)) {
      fail(`--preset must be one of ${TRAIN_PRESET_IDS.join(', ')}, got ${a.preset}`);
    }
    const { channels, height, width } = data.dataset;
    let config: ReturnType<typeof presetConfig>;
    try {
      config = presetConfig(a.arch as TrainArch, a.preset as TrainPresetId, [channels, height, width], {
        dropout: num('dropout'),
      });
    } catch (e) {
      fail((e as Error).message);
    }
    const r = TrainingRun.create(config, data.dataset, data.train, {
      batchSize: num('batch'),
      lr: a.lr === undefined ? DEFAULT_TRAIN_SETTINGS.lr : num('lr'),
      warmupSteps: num('warmup'),
      emaBeta: num('ema'),
      gradClip: 1,
      hflip: a.hflip as boolean,
      seed: num('seed'),
      decay,
    });
    if (!r.ok) fail(r.error);
    run = r.value;
  }
  const threadCount = threadsOption(a.threads, a.backend as string, 'helper');
  if (!threadCount.ok) fail(threadCount.error);
  const threads = threadCount.value;
  const helpers = threads > 1 ? await startGradientThreads(threads - 1, run.configJson) : [];
  run.shareBatchesWith(helpers);
  const params = run.model.specs.reduce((n, s) => n + s.torchShape.reduce((x, y) => x * y, 1), 0);
  console.error(
    `${run.model.arch} ${params.toLocaleString()} parameters on ${data.dataset.name} (${data.train.length} train images), backend ${tf.getBackend()}, ${threads} thread(s)`,
  );
  mkdirSync(dirname(out), { recursive: true });
  const save = async () => {
    const bytes = await run.checkpoint();
    writeFileSync(`${out}.tmp`, bytes); // rename is atomic: a crash mid-write never corrupts the checkpoint
    renameSync(`${out}.tmp`, out);
  };
  let stopping = false;
  process.on('SIGINT', () => {
    stopping = true;
  });
  const saveEvery = num('save-every');
  const bar = new ProgressBar(targetSteps, run.step);
  let smooth = Number.NaN;
  while (run.step < targetSteps && !stopping) {
    try {
      const r = await run.trainStep();
      smooth = Number.isNaN(smooth) ? r.loss : 0.98 * smooth + 0.02 * r.loss;
      bar.update(r.step, { loss: smooth.toFixed(4), lr: r.lr.toExponential(1) }, r.step === targetSteps);
      if (r.step % saveEvery === 0) await save();
      // wasm's reads resolve as microtasks; without a macrotask turn the SIGINT handler would never run.
      await yieldToEventLoop();
    } catch (e) {
      if (e instanceof NonFiniteLossError) fail(`${e.message} The last checkpoint in ${out} is kept.`);
      throw e;
    }
  }
  bar.done();
  await save();
  console.error(
    `saved ${out} at step ${run.step} (loss ${smooth.toFixed(4)}, ${Math.round(run.wallSeconds)} s of training)`,
  );
  await Promise.all(helpers.map((h) => h.close()));
  run.dispose();
}

await main();
