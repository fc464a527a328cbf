/**
 * `npm run train-classifier`: trains the small CNN that scores generated samples (classifier-FID,
 * confidence, class histogram) on a data set's train split and reports its test accuracy.
 *
 *   npm run train-classifier -- --data mnist --out public/models/mnist-classifier
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../src/core/gpu/kernels/matmul-wasm';
import { ImageClassifier } from '../src/core/eval/classifier';
import {
  classifierAccuracy,
  DEFAULT_CLASSIFIER_TRAINING,
  trainClassifier,
} from '../src/core/eval/classifier-train';
import { loadCliData } from './lib/node-data';
import { ProgressBar } from './lib/progress';

const { values: a } = parseArgs({
  options: {
    data: { type: 'string', default: 'mnist' },
    epochs: { type: 'string', default: String(DEFAULT_CLASSIFIER_TRAINING.epochs) },
    out: { type: 'string', default: 'public/models/mnist-classifier' },
    backend: { type: 'string', default: 'wasm' },
  },
});

await tf.setBackend(a.backend as string);
const data = await loadCliData(a.data as string);
const d = data.dataset;
if (d.classNames.length < 2) throw new Error(`${d.name} has no class labels: a classifier needs them.`);
const clf = new ImageClassifier({
  imageShape: [d.channels, d.height, d.width],
  classes: d.classNames.length,
  featureDim: 128,
  classNames: d.classNames,
});
const settings = { ...DEFAULT_CLASSIFIER_TRAINING, epochs: Number(a.epochs) };
const started = performance.now();
let bar: ProgressBar | null = null;
await trainClassifier(clf, d, data.train, settings, (p) => {
  bar ??= new ProgressBar(p.steps);
  bar.update(p.step, { epoch: String(p.epoch + 1), loss: p.loss.toFixed(4) }, p.step === p.steps);
});
(bar as ProgressBar | null)?.done();
const seconds = (performance.now() - started) / 1000;
const testAccuracy = await classifierAccuracy(clf, d, data.test);
const trainAccuracy = await classifierAccuracy(clf, d, data.train);
console.error(
  `test accuracy ${(100 * testAccuracy).toFixed(2)}% (train ${(100 * trainAccuracy).toFixed(2)}%)`,
);
const out = a.out as string;
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'model.safetensors'), await clf.save({ testAccuracy: String(testAccuracy) }));
const params = [...clf.params.values()].reduce((n, v) => n + v.size, 0);
const card = {
  name: 'MNIST scoring classifier',
  purpose:
    'Scores generated samples: classifier-FID on its 128-d penultimate features, confidence, class histogram.',
  architecture: 'conv3x3(32)-ReLU-avgpool, conv3x3(64)-ReLU-avgpool, dense(128)-ReLU [features], dense(10)',
  parameters: params,
  data: { name: d.name, train: data.train.length, test: data.test.length },
  training: {
    ...settings,
    optimizer: 'Adam',
    dropout: 0.25,
    augmentation: `random shifts up to ${settings.maxShift} px`,
  },
  wallSeconds: Math.round(seconds),
  backend: tf.getBackend(),
  testAccuracy,
  trainAccuracy,
  trainedBy: 'npm run train-classifier',
};
writeFileSync(join(out, 'model.json'), `${JSON.stringify(card, null, 2)}\n`);
console.error(`wrote ${out}/model.safetensors and model.json`);
