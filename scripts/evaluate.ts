/**
 * `npm run evaluate`: draws N samples from a diffusion checkpoint and scores them with the shipped MNIST
 * classifier (classifier-FID against the test split, confident fraction, class histogram), beside the
 * train-vs-test floor. With --ship DIR it also writes the app's model files: EMA weights, a 64-sample PNG
 * grid and the JSON model card.
 *
 *   npm run evaluate -- --model runs/unet-small.safetensors --samples 1000 --ship public/models/mnist-unet-small
 *     [--name "shown in the app"] [--status "a line on the card, e.g. why it is shipped below the bar"]
 *
 * --threads N (default: one per core on wasm) draws the batches on N worker threads, each with its own
 * tfjs-wasm; the images are the same as on one thread.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import { encode } from 'fast-png';
import type { TrainingRecord } from '../src/core/diffusion/train/train-checkpoint';
import { loadClassifier } from '../src/core/eval/classifier';
import { imageBatch } from '../src/core/eval/classifier-train';
import {
  drawSamples,
  readClassifier,
  referenceFit,
  type SampleQuality,
  sampleQuality,
} from '../src/core/eval/sample-quality';
import { exportStateDict } from '../src/core/io/checkpoint';
import { denoiserFromCheckpoint } from '../src/core/io/denoiser-from-checkpoint';
import { resolveModelFile } from './lib/model-file';
import { loadCliData } from './lib/node-data';
import { ProgressBar } from './lib/progress';
import { drawSamplesInThreads } from './lib/sample-threads';
import { threadsOption } from './lib/threads-option';

const { values: a } = parseArgs({
  options: {
    model: { type: 'string' },
    classifier: { type: 'string', default: 'public/models/mnist-classifier/model.safetensors' },
    data: { type: 'string', default: 'mnist' },
    samples: { type: 'string', default: '1000' },
    batch: { type: 'string', default: '100' },
    sampler: { type: 'string', default: 'ddim' },
    steps: { type: 'string', default: '50' },
    eta: { type: 'string', default: '0' },
    seed: { type: 'string', default: '1' },
    ship: { type: 'string' },
    name: { type: 'string' },
    /** A line for the model card, e.g. why a model is shipped below the bar. */
    status: { type: 'string' },
    out: { type: 'string' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string' },
  },
});

function fail(message: string): never {
  console.error(`evaluate: ${message}`);
  process.exit(1);
}

/** 8x8 grid of the first 64 images (NHWC, [0, 1]) with 2-pixel gutters, as PNG bytes. */
function gridPng(images: Float32Array, h: number, w: number, c: number, count: number): Uint8Array {
  const cols = 8;
  const rows = Math.ceil(Math.min(count, 64) / cols);
  const gap = 2;
  const W = cols * (w + gap) + gap;
  const H = rows * (h + gap) + gap;
  const rgb = new Uint8Array(W * H * 3).fill(255);
  for (let i = 0; i < Math.min(count, 64); i++) {
    const ox = gap + (i % cols) * (w + gap);
    const oy = gap + Math.floor(i / cols) * (h + gap);
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        for (let k = 0; k < 3; k++) {
          const v = images[((i * h + y) * w + x) * c + (c === 1 ? 0 : k)];
          rgb[((oy + y) * W + ox + x) * 3 + k] = Math.round(255 * Math.min(1, Math.max(0, v)));
        }
      }
    }
  }
  return encode({ width: W, height: H, data: rgb, channels: 3, depth: 8 });
}

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;

async function main(): Promise<void> {
  if (!a.model) fail('give --model CHECKPOINT.safetensors (or a folder with model.safetensors)');
  await tf.setBackend(a.backend as string);
  const modelFile = resolveModelFile(a.model);
  if (!modelFile.ok) fail(modelFile.error);
  const bytes = new Uint8Array(readFileSync(modelFile.value));
  const loaded = denoiserFromCheckpoint(bytes, modelFile.value);
  if (!loaded.ok) fail(loaded.error);
  const { model, json, file } = loaded.value;
  const clfLoaded = loadClassifier(
    new Uint8Array(readFileSync(a.classifier as string)),
    a.classifier as string,
  );
  if (!clfLoaded.ok) fail(`${clfLoaded.error} Train it with npm run train-classifier.`);
  const clf = clfLoaded.value;
  const data = await loadCliData(a.data as string);
  const d = data.dataset;

  const dim = clf.config.featureDim;
  const classes = clf.config.classes;
  const testReadout = await readClassifier(clf, imageBatch(d, data.test), data.test.length);
  const reference = referenceFit(testReadout, dim);
  const trainReadout = await readClassifier(clf, imageBatch(d, data.train), data.train.length);
  const floor = sampleQuality(trainReadout, reference, classes);

  const n = Number(a.samples);
  const batch = Math.min(Number(a.batch), n);
  const steps = Number(a.steps);
  const sampler =
    a.sampler === 'ddpm'
      ? ({ kind: 'ddpm', steps } as const)
      : ({ kind: 'ddim', steps, eta: Number(a.eta) } as const);
  const [c, h, w] = model.imageShape;
  const bar = new ProgressBar(n, 0, 'samples');
  const started = performance.now();
  const threadCount = threadsOption(a.threads, a.backend as string, 'sampling');
  if (!threadCount.ok) fail(threadCount.error);
  const threads = threadCount.value;
  const seed = Number(a.seed);
  // Threads draw the same images (a batch depends only on its first index); one thread runs here.
  const images =
    threads > 1
      ? await drawSamplesInThreads({
          checkpoint: bytes,
          name: modelFile.value,
          sampler,
          count: n,
          batch,
          seed,
          imageSize: c * h * w,
          threads,
          onBatch: (done) => bar.update(done, {}, done === n),
        })
      : await drawSamples({
          model,
          sampler,
          count: n,
          batch,
          seed,
          onStep: (before, b, info) => {
            if (info.step === info.total - 1) bar.update(before + b, {}, true);
          },
        });
  bar.done();
  const sampleSeconds = (performance.now() - started) / 1000;
  const quality = sampleQuality(await readClassifier(clf, images, n), reference, classes);
  const samplerText = a.sampler === 'ddpm' ? `DDPM ${steps} steps` : `DDIM ${steps} steps, eta ${a.eta}`;
  const report = {
    model: a.model,
    sampler: samplerText,
    samples: quality,
    trainVsTestFloor: { classifierFid: floor.classifierFid, confidentFraction: floor.confidentFraction },
    sampleSeconds,
    backend: tf.getBackend(),
    threads,
  };
  console.log(`| | classifier-FID | confident (p ≥ 0.9) | rarest class | commonest class |`);
  console.log(`|---|---|---|---|---|`);
  const row = (label: string, q: SampleQuality) =>
    `| ${label} | ${q.classifierFid.toFixed(2)} | ${pct(q.confidentFraction)} | ${pct(Math.min(...q.classFractions))} | ${pct(Math.max(...q.classFractions))} |`;
  console.log(row(`${n} samples (${samplerText})`, quality));
  console.log(row(`train split vs test split (floor)`, floor));
  if (a.out) writeFileSync(a.out, `${JSON.stringify(report, null, 2)}\n`);

  if (a.ship) {
    const dir = a.ship;
    mkdirSync(dir, { recursive: true });
    const training = file.metadata.training ? (JSON.parse(file.metadata.training) as TrainingRecord) : null;
    const weights = await exportStateDict(model, { config: JSON.stringify(json) });
    writeFileSync(join(dir, 'model.safetensors'), weights);
    writeFileSync(join(dir, 'samples.png'), gridPng(images, h, w, c, n));
    const params = model.specs.reduce((s, p) => s + p.torchShape.reduce((x, y) => x * y, 1), 0);
    const history = training?.lossHistory ?? [];
    const tail = history.slice(-50);
    const card = {
      name: a.name ?? `${model.arch.toUpperCase()} on ${d.name}`,
      ...(a.status ? { status: a.status } : {}),
      arch: model.arch,
      config: json,
      parameters: params,
      weights: 'model.safetensors (EMA weights, official state_dict names, F32)',
      samplesImage: 'samples.png',
      data: training?.dataset ?? { name: d.name, images: data.train.length },
      training: training && {
        steps: training.step,
        batchSize: training.settings.batchSize,
        lr: training.settings.lr,
        warmupSteps: training.settings.warmupSteps,
        ...(training.settings.decay
          ? {
              lrDecay: `cosine to 0 from step ${training.settings.decay.fromStep} to ${training.settings.decay.toStep}`,
            }
          : {}),
        emaBeta: training.settings.emaBeta,
        gradClip: training.settings.gradClip,
        hflip: training.settings.hflip,
        seed: training.settings.seed,
        wallSeconds: Math.round(training.wallSeconds),
        finalLoss: tail.reduce((s, [, l]) => s + l, 0) / Math.max(1, tail.length),
        lossHistory: history.filter((_, i) => i % Math.max(1, Math.floor(history.length / 200)) === 0),
        trainedBy: 'npm run train (wasm backend, Node, 2-core CPU)',
      },
      sampleQuality: { ...report, model: undefined },
      evaluatedBy: `npm run evaluate -- --samples ${n} --sampler ${a.sampler} --steps ${steps}`,
    };
    writeFileSync(join(dir, 'model.json'), `${JSON.stringify(card, null, 2)}\n`);
    console.error(`wrote ${dir}/model.safetensors, samples.png and model.json`);
  }
  model.dispose();
  clf.dispose();
}

await main();
