/**
 * `npm run train-reid`: trains the AlignedReID model on the synthetic pedestrians' training identities.
 *
 *   npm run train-reid -- --steps 800 --out public/models/reid/aligned-reid-synthetic.safetensors
 *   npm run train-reid -- --steps 1200 --out ...        (resumes from the checkpoint, continues to 1200)
 *
 * A training checkpoint (weights, BN statistics, Adam moments, step, loss log) is written to --checkpoint
 * (default runs/reid/<name>.ckpt.safetensors) every --save-every steps and on Ctrl-C, and a run resumes from
 * it unless --fresh. At the end the weights alone go to --out, with a training card next to it
 * (<out without .safetensors>.card.json) that `npm run eval-reid` completes with the evaluation.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { setThreadsCount } from '@tensorflow/tfjs-backend-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import { createReidModel } from '../src/core/reid/model';
import { countReidParams, DEFAULT_REID_CONFIG } from '../src/core/reid/model-config';
import { serializeReidModel } from '../src/core/reid/model-io';
import { buildSplit, renderSamples, splitCounts } from '../src/core/reid/split';
import { DEFAULT_TRAIN_CONFIG, ReidTrainer, type TrainConfig } from '../src/core/reid/train';
import { ProgressBar } from './lib/progress';

const { values: a } = parseArgs({
  options: {
    steps: { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.steps) },
    out: { type: 'string', default: 'public/models/reid/aligned-reid-synthetic.safetensors' },
    checkpoint: { type: 'string' },
    fresh: { type: 'boolean', default: false },
    'save-every': { type: 'string', default: '50' },
    'ids-per-batch': { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.idsPerBatch) },
    'images-per-id': { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.imagesPerId) },
    lr: { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.baseLr) },
    'local-weight': { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.localWeight) },
    'id-weight': { type: 'string', default: String(DEFAULT_TRAIN_CONFIG.idWeight) },
    seed: { type: 'string', default: '0' },
    backend: { type: 'string', default: 'wasm' },
    threads: { type: 'string', default: '2' },
  },
});

function fail(message: string): never {
  console.error(`train-reid: ${message}`);
  process.exit(1);
}

const num = (name: keyof typeof a): number => {
  const v = Number(a[name]);
  if (!Number.isFinite(v)) fail(`--${name} must be a number, got ${a[name]}`);
  return v;
};

async function main(): Promise<void> {
  if (a.backend === 'wasm') setThreadsCount(num('threads'));
  if (!(await tf.setBackend(a.backend as string))) fail(`the ${a.backend} backend is not available here`);
  await tf.ready();
  const out = a.out as string;
  const name = basename(out).replace(/\.safetensors$/, '');
  const checkpoint = a.checkpoint ?? join('runs', 'reid', `${name}.ckpt.safetensors`);

  const split = buildSplit();
  const t0 = performance.now();
  const images = renderSamples(split.config, split.train);
  const classOf = new Map(split.trainPids.map((pid, i) => [pid, i]));
  const labels = Int32Array.from(split.train, (s) => classOf.get(s.pid)!);
  const counts = splitCounts(split);
  console.error(
    `synthetic pedestrians: ${counts.train} training images of ${counts.trainIds} identities rendered in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
  );

  const config: TrainConfig = {
    ...DEFAULT_TRAIN_CONFIG,
    steps: num('steps'),
    idsPerBatch: num('ids-per-batch'),
    imagesPerId: num('images-per-id'),
    baseLr: num('lr'),
    localWeight: num('local-weight'),
    idWeight: num('id-weight'),
    seed: num('seed'),
  };
  const model = createReidModel({ ...DEFAULT_REID_CONFIG, numClasses: split.trainPids.length }, config.seed);
  const [h, w] = model.config.inputSize;
  const trainer = new ReidTrainer(model, { images, labels, height: h, width: w }, config);
  if (!a.fresh && existsSync(checkpoint)) {
    trainer.restore(new Uint8Array(readFileSync(checkpoint)));
    console.error(`resumed ${checkpoint} at step ${trainer.step}`);
  }
  const params = countReidParams(model.specs);
  console.error(`AlignedReID ResNet: ${params.toLocaleString()} parameters, backend ${tf.getBackend()}`);

  mkdirSync(dirname(checkpoint), { recursive: true });
  const save = async () => {
    const bytes = await trainer.checkpoint({ split_config: JSON.stringify(split.config) });
    writeFileSync(`${checkpoint}.tmp`, bytes); // rename is atomic: a crash mid-write keeps the old checkpoint
    renameSync(`${checkpoint}.tmp`, checkpoint);
  };
  let stopping = false;
  process.on('SIGINT', () => {
    stopping = true;
  });
  const bar = new ProgressBar(config.steps, trainer.step);
  const saveEvery = num('save-every');
  let smooth = Number.NaN;
  while (trainer.step < config.steps && !stopping) {
    const s = await trainer.trainStep();
    if (!Number.isFinite(s.loss)) {
      fail(`the loss became ${s.loss} at step ${s.step}; the checkpoint ${checkpoint} from before is kept`);
    }
    smooth = Number.isNaN(smooth) ? s.loss : 0.95 * smooth + 0.05 * s.loss;
    bar.update(
      trainer.step,
      {
        loss: smooth.toFixed(3),
        g: s.globalLoss.toFixed(3),
        l: s.localLoss.toFixed(3),
        id: s.idLoss.toFixed(2),
        acc: s.idAccuracy.toFixed(2),
        lr: s.lr.toExponential(1),
      },
      trainer.step === config.steps,
    );
    if (trainer.step % saveEvery === 0) await save();
  }
  bar.done();
  await save();
  if (trainer.step < config.steps) {
    console.error(`stopped at step ${trainer.step}; run again to continue from ${checkpoint}`);
    return;
  }

  // The shipped file: weights and BN statistics only.
  mkdirSync(dirname(out), { recursive: true });
  const last = trainer.history.slice(-50);
  const mean = (f: (s: (typeof last)[number]) => number) => last.reduce((t, s) => t + f(s), 0) / last.length;
  const training = {
    steps: trainer.step,
    batch: `${config.idsPerBatch} identities x ${config.imagesPerId} images`,
    config,
    seconds: Math.round(trainer.elapsedSeconds),
    backend: tf.getBackend(),
    finalLoss: {
      total: mean((s) => s.loss),
      global: mean((s) => s.globalLoss),
      local: mean((s) => s.localLoss),
      id: mean((s) => s.idLoss),
      idAccuracy: mean((s) => s.idAccuracy),
    },
  };
  writeFileSync(
    out,
    await serializeReidModel(model, {
      training: JSON.stringify(training),
      split_config: JSON.stringify(split.config),
    }),
  );
  const card = {
    name,
    architecture: {
      description:
        'AlignedReID (huanghoujing reproduction heads) on a ResNet-10-like backbone at quarter width',
      config: model.config,
      parameters: params,
      stripes: model.mapShape[0],
      globalDims: model.mapShape[2],
      localDims: model.config.localChannels,
    },
    data: { generator: 'src/core/reid/synthetic-pedestrians.ts', split: split.config, counts },
    training,
    lossHistory: trainer.history
      .filter((_, i) => i % 10 === 0)
      .map((s) => [
        s.step,
        +s.loss.toFixed(4),
        +s.globalLoss.toFixed(4),
        +s.localLoss.toFixed(4),
        +s.idLoss.toFixed(4),
      ]),
  };
  writeFileSync(out.replace(/\.safetensors$/, '.card.json'), `${JSON.stringify(card, null, 2)}\n`);
  console.error(`saved ${out} (${trainer.step} steps, ${training.seconds} s of training)`);
  trainer.dispose();
  model.dispose();
}

await main();
