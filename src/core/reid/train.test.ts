import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../gpu/kernels/conv2d-backprop-wasm';
import { afterAll, describe, expect, it } from 'vitest';
import { createReidModel } from './model';
import { TINY_REID } from './model.fixtures';
import { buildSplit, renderSamples } from './split';
import {
  DEFAULT_TRAIN_CONFIG,
  learningRate,
  ReidTrainer,
  sampleBatch,
  type TrainConfig,
  type TrainData,
} from './train';

/** 5 identities x 4 synthetic images, cropped to the tiny model's 32 x 16 by taking every other pixel. */
function tinyData(): TrainData {
  const split = buildSplit({
    trainIds: 5,
    testIds: 2,
    distractorIds: 0,
    junkImages: 0,
    trainCameras: [4, 4],
    imagesPerCamera: 1,
  });
  const full = renderSamples(split.config, split.train);
  const n = split.train.length;
  const images = new Uint8Array(n * 32 * 16 * 3);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < 32; y++) {
      for (let x = 0; x < 16; x++) {
        for (let k = 0; k < 3; k++)
          images[((i * 32 + y) * 16 + x) * 3 + k] = full[((i * 64 + 2 * y) * 32 + 2 * x) * 3 + k];
      }
    }
  }
  const labels = Int32Array.from(split.train, (s) => s.pid - 1);
  return { images, labels, height: 32, width: 16 };
}

const CONFIG: TrainConfig = {
  ...DEFAULT_TRAIN_CONFIG,
  idsPerBatch: 5,
  imagesPerId: 4,
  steps: 100,
  flipProbability: 0,
  baseLr: 3e-3,
};

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('ReidTrainer', () => {
  it('samples P distinct identities x K images, the same batch for the same step', () => {
    const byClass = [[0, 1, 2], [3], [4, 5, 6, 7], [8, 9]];
    const cfg = { ...CONFIG, idsPerBatch: 3, imagesPerId: 2 };
    const b = sampleBatch(byClass, cfg, 7);
    expect(b.length).toBe(6);
    const classOf = (i: number) => byClass.findIndex((c) => c.includes(i));
    const classes = b.map(classOf);
    expect(new Set(classes).size).toBe(3);
    for (let k = 0; k < 6; k += 2) expect(classes[k]).toBe(classes[k + 1]);
    expect(sampleBatch(byClass, cfg, 7)).toEqual(b);
  });

  it('keeps the learning rate, then decays it exponentially to the final factor', () => {
    const cfg = { ...CONFIG, steps: 100, decayStart: 0.5, baseLr: 1e-3, finalLrFactor: 0.01 };
    expect(learningRate(cfg, 0)).toBe(1e-3);
    expect(learningRate(cfg, 49)).toBe(1e-3);
    expect(learningRate(cfg, 75)).toBeCloseTo(1e-4, 10);
    expect(learningRate(cfg, 100)).toBeCloseTo(1e-5, 10);
  });

  it('lowers the loss of a fixed batch, and leaves no tensors behind', async () => {
    // wasm: its gradient kernels (with the project's Conv2DBackpropFilter) are ~30x faster than cpu's.
    expect(await tf.setBackend('wasm')).toBe(true);
    const model = createReidModel(TINY_REID, 1);
    const trainer = new ReidTrainer(model, tinyData(), CONFIG);
    const first = await trainer.trainStep();
    const count = tf.memory().numTensors;
    let last = first;
    for (let i = 0; i < 8; i++) last = await trainer.trainStep();
    expect(tf.memory().numTensors).toBe(count);
    expect(Number.isFinite(first.loss)).toBe(true);
    expect(last.loss).toBeLessThan(first.loss);
    trainer.dispose();
    model.dispose();
  });

  it('resumes from its checkpoint exactly where it stopped', async () => {
    expect(await tf.setBackend('wasm')).toBe(true);
    const data = tinyData();
    const a = new ReidTrainer(createReidModel(TINY_REID, 2), data, CONFIG);
    await a.trainStep();
    await a.trainStep();
    const bytes = await a.checkpoint();
    const next = await a.trainStep();
    const b = new ReidTrainer(createReidModel(TINY_REID, 99), data, CONFIG);
    b.restore(bytes);
    expect(b.step).toBe(2);
    expect(b.history.length).toBe(2);
    const resumed = await b.trainStep();
    expect(resumed.loss).toBeCloseTo(next.loss, 5);
    expect(resumed.localLoss).toBeCloseTo(next.localLoss, 5);
    for (const t of [a, b]) {
      t.dispose();
      t.model.dispose();
    }
  });

  it('trains on cpu too (the reference backend)', async () => {
    await tf.setBackend('cpu');
    const model = createReidModel(TINY_REID, 3);
    const trainer = new ReidTrainer(model, tinyData(), CONFIG);
    const s = await trainer.trainStep();
    const s2 = await trainer.trainStep();
    expect(Number.isFinite(s.loss) && Number.isFinite(s2.loss)).toBe(true);
    trainer.dispose();
    model.dispose();
  });
});
