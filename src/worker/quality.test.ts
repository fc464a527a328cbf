/**
 * The Sampling panel's sample-quality job on wasm with a tiny random UNet and a slice of the embedded
 * MNIST: its figures equal those of the core functions run by hand on the same samples (sampled here
 * batch by batch, independently of the job's own loop), the classifier and reference are loaded once, it
 * refuses non-MNIST shapes and bad N, cancels cleanly, and leaves tf.memory() as it found it.
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CliData, loadCliData } from '../../scripts/lib/node-data';
import { switchBackend } from '../../scripts/lib/test-backends';
import { sample, samplerPlan } from '../core/diffusion/samplers';
import { presetConfig } from '../core/diffusion/train/presets';
import { createUNet, type UNetConfig, type UNetDenoiser } from '../core/diffusion/unet';
import { loadClassifier } from '../core/eval/classifier';
import { imageBatch } from '../core/eval/classifier-train';
import { readClassifier, referenceFit, sampleQuality } from '../core/eval/sample-quality';
import { JobCancelledError } from '../core/job';
import type { JobProgress, QualityRequest } from './api';
import { QualityInputError, QualityService, SHIPPED_CLASSIFIER } from './quality';
import { recordedQuality, SHIPPED_DIRS, shippedCard } from './shipped-models';

const never = new AbortController().signal;
const quiet = () => {};

function tinyUNet(shape: [number, number, number]): UNetDenoiser {
  const c = presetConfig('unet', 'tiny', shape);
  if (c.arch !== 'unet') throw new Error('unreachable');
  return createUNet(c.config as UNetConfig, 'random', 3);
}

let mnist: CliData;
let model: UNetDenoiser;
const calls = { classifier: 0, reference: 0 };
const slice = () => ({
  dataset: mnist.dataset,
  train: mnist.train.subarray(0, 300),
  test: mnist.test.subarray(0, 200),
});
const classifierBytes = () => new Uint8Array(readFileSync(`public/${SHIPPED_CLASSIFIER}`));
const service = () =>
  new QualityService({
    classifier: async () => {
      calls.classifier++;
      return classifierBytes();
    },
    reference: async () => {
      calls.reference++;
      return slice();
    },
  });

const request: QualityRequest = {
  modelId: 'tiny',
  sampler: 'ddim',
  steps: 3,
  eta: 0.5,
  seed: 5,
  batch: 4,
  count: 10,
};

beforeAll(async () => {
  await switchBackend('wasm');
  mnist = await loadCliData('mnist');
  model = tinyUNet([1, 28, 28]);
});
afterAll(async () => {
  model.dispose();
  await tf.setBackend('cpu');
});

describe('QualityService', () => {
  it('gives the core functions’ figures for the same samples, loads the classifier once, leaks no tensor', async () => {
    const q = service();
    const before = tf.memory().numTensors;
    const progress: JobProgress[] = [];
    const first = await q.run(model, 'tiny', request, never, (p) => progress.push(p));
    const afterFirst = tf.memory().numTensors;
    const second = await q.run(model, 'tiny', request, never, quiet);
    expect(tf.memory().numTensors).toBe(afterFirst);
    expect(calls).toEqual({ classifier: 1, reference: 1 });

    // The reference: the same samples drawn here batch by batch (seed + first index, as the CLI does),
    // scored by the core functions directly.
    const clfLoaded = loadClassifier(classifierBytes(), 'classifier');
    if (!clfLoaded.ok) throw new Error(clfLoaded.error);
    const clf = clfLoaded.value;
    const size = 28 * 28;
    const images = new Float32Array(request.count * size);
    for (let i = 0; i < request.count; i += request.batch) {
      const b = Math.min(request.batch, request.count - i);
      const x = await sample({
        model,
        sampler: { kind: 'ddim', steps: request.steps, eta: request.eta },
        batch: b,
        seed: request.seed + i,
      });
      const unit = tf.tidy(() => x.add(1).div(2).clipByValue(0, 1));
      images.set(await unit.data(), i * size);
      tf.dispose([x, unit]);
    }
    const data = slice();
    const fit = referenceFit(
      await readClassifier(clf, imageBatch(data.dataset, data.test), data.test.length),
      clf.config.featureDim,
    );
    const expected = sampleQuality(await readClassifier(clf, images, request.count), fit, 10);
    const floor = sampleQuality(
      await readClassifier(clf, imageBatch(data.dataset, data.train), data.train.length),
      fit,
      10,
    );
    clf.dispose();

    for (const r of [first, second]) {
      expect(r.samples.count).toBe(10);
      expect(r.samples.classifierFid).toBeCloseTo(expected.classifierFid, 6);
      expect(r.samples.confidentFraction).toBe(expected.confidentFraction);
      expect(r.samples.classFractions).toEqual(expected.classFractions);
      expect(r.floor.classifierFid).toBeCloseTo(floor.classifierFid, 6);
      expect(r.floor.confidentFraction).toBe(floor.confidentFraction);
      expect(r.classCounts).toEqual(expected.classFractions.map((f) => Math.round(f * 10)));
      expect(r.classCounts.reduce((a, b) => a + b, 0)).toBe(10);
      expect(r.reference.images).toBe(200);
      expect(r.classNames).toHaveLength(10);
      expect(r.confident).toBe(0.9);
      expect(r.cli).toBe('--samples 10 --batch 4 --sampler ddim --steps 3 --eta 0.5 --seed 5');
      expect(r.preview).toMatchObject({ count: 10, height: 28, width: 28, channels: 1 });
      expect(r.preview.pixels).toHaveLength(10 * size);
      expect(r.preview.pixels[7]).toBe(Math.round(images[7] * 255));
    }
    expect(first.samples.classifierFid).toBeGreaterThan(first.floor.classifierFid);
    // Sampling progress counts image-steps and ends at its total.
    const sampling = progress.filter((p) => p.label.startsWith('Sampling'));
    // (3 DDIM steps run as 4: the official code keeps the integer stride ⌊1000 / 3⌋.)
    const steps = samplerPlan({ kind: 'ddim', steps: 3, eta: 0.5 }).length;
    expect(sampling.at(-1)).toMatchObject({
      done: 10 * steps,
      total: 10 * steps,
      label: `Sampling 10/10 · step ${steps}/${steps}`,
    });
    expect(progress.some((p) => p.label.startsWith('Scoring the train split (floor)'))).toBe(true);

    q.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses models that are not 1×28×28 and N outside 2–1000, before loading anything', async () => {
    const q = service();
    const start = { ...calls };
    const small = tinyUNet([1, 16, 16]);
    await expect(q.run(small, 'small', request, never, quiet)).rejects.toThrow(QualityInputError);
    await expect(q.run(small, 'small', request, never, quiet)).rejects.toThrow(
      /1×28×28 .*MNIST.* 1×16×16 images/,
    );
    small.dispose();
    for (const count of [1, 1001, 2.5]) {
      await expect(q.run(model, 'tiny', { ...request, count }, never, quiet)).rejects.toThrow(
        /between 2 and 1000/,
      );
    }
    expect(calls).toEqual(start);
  });

  it('cancels while sampling with no tensor left behind, and runs again afterwards', async () => {
    const q = service();
    await q.run(model, 'tiny', { ...request, count: 2, batch: 2, steps: 1 }, never, quiet);
    const baseline = tf.memory().numTensors;
    const controller = new AbortController();
    const run = q.run(model, 'tiny', { ...request, count: 12 }, controller.signal, (p) => {
      if (p.label.startsWith('Sampling') && p.done >= 4) controller.abort();
    });
    await expect(run).rejects.toThrow(JobCancelledError);
    expect(tf.memory().numTensors).toBe(baseline);
    const again = await q.run(model, 'tiny', { ...request, count: 3 }, never, quiet);
    expect(again.samples.count).toBe(3);
    q.dispose();
  });

  it('cancels while scoring the reference split, and keeps nothing half-computed', async () => {
    const before = tf.memory().numTensors;
    const loads = calls.reference;
    const q = service();
    const controller = new AbortController();
    const run = q.run(model, 'tiny', request, controller.signal, (p) => {
      if (p.label.startsWith('Scoring the test split')) controller.abort();
    });
    await expect(run).rejects.toThrow(JobCancelledError);
    // The reference is computed afresh on the next run (a cancelled one left none behind).
    const after = await q.run(model, 'tiny', { ...request, count: 2 }, never, quiet);
    expect(after.reference.images).toBe(200);
    expect(calls.reference).toBe(loads + 2);
    q.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('recordedQuality', () => {
  it('reads the figures a shipped model card records, and nothing from a card without them', () => {
    const card = JSON.parse(readFileSync('public/models/mnist-unet-small/model.json', 'utf8'));
    const q = recordedQuality(card);
    expect(q).not.toBeNull();
    expect(q?.samples.classifierFid).toBe(card.sampleQuality.samples.classifierFid);
    expect(q?.samples.classFractions).toEqual(card.sampleQuality.samples.classFractions);
    expect(q?.floor?.classifierFid).toBe(card.sampleQuality.trainVsTestFloor.classifierFid);
    expect(q?.sampler).toBe(card.sampleQuality.sampler);
    expect(recordedQuality({ name: 'x' })).toBeNull();
    expect(recordedQuality({ sampleQuality: { samples: { classifierFid: 'high' } } })).toBeNull();
  });
});

describe('shippedCard', () => {
  const url = (file: string) => `https://app/models/x/${file}`;

  it('reads how each shipped model was trained and where its sample grid is', () => {
    for (const dir of SHIPPED_DIRS) {
      const card = JSON.parse(readFileSync(`public/models/${dir}/model.json`, 'utf8'));
      const c = shippedCard(card, url);
      expect(c.status).toBe(card.status);
      expect(c.data).toBe(`MNIST (embedded), ${card.data.images.toLocaleString('en-US')} images`);
      expect(c.training).toEqual({
        steps: card.training.steps,
        batchSize: card.training.batchSize,
        wallSeconds: card.training.wallSeconds,
        finalLoss: card.training.finalLoss,
      });
      expect(c.samplesUrl).toBe(`https://app/models/x/${card.samplesImage}`);
      expect(readFileSync(`public/models/${dir}/${card.samplesImage}`).subarray(1, 4).toString()).toBe('PNG');
    }
  });

  it('leaves out what a card lacks or gets wrong, and takes no path out of the model folder', () => {
    expect(shippedCard({}, url)).toEqual({ status: null, data: null, training: null, samplesUrl: null });
    const odd = shippedCard(
      { training: { steps: 10, batchSize: 'big' }, data: { name: 'D' }, samplesImage: '../../secret.png' },
      url,
    );
    expect(odd).toEqual({ status: null, data: 'D', training: null, samplesUrl: null });
  });
});
