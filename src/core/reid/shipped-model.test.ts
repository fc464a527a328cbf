import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { embedImages } from './embed';
import { evaluateModes } from './evaluate-modes';
import { loadReidModel, SHIPPED_REID_MODEL } from './model-io';
import { buildSplit, DEFAULT_SPLIT, renderSamples } from './split';

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});

afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('the shipped ReID model', () => {
  it('loads with its config and split, and retrieves test identities far above chance', async () => {
    const loaded = loadReidModel(new Uint8Array(readFileSync(`public/${SHIPPED_REID_MODEL}`)));
    if (!loaded.ok) throw new Error(loaded.error);
    const { model, file } = loaded.value;
    expect(model.mapShape).toEqual([8, 4, 128]);
    expect(JSON.parse(file.metadata.split_config)).toEqual(DEFAULT_SPLIT);
    // 40 test identities of the shipped split (the same people the card's figures come from), no distractors.
    const split = buildSplit({ ...DEFAULT_SPLIT, testIds: 40, distractorIds: 0, junkImages: 0 });
    const embed = (samples: typeof split.query) =>
      embedImages(model, renderSamples(split.config, samples), samples.length);
    const labels = (samples: typeof split.query) => ({
      pids: samples.map((s) => s.pid),
      camIds: samples.map((s) => s.camId),
    });
    const rows = await evaluateModes(
      await embed(split.query),
      await embed(split.gallery),
      labels(split.query),
      labels(split.gallery),
      { rerank: false },
    );
    const fused = rows.find((r) => r.mode === 'global+aligned')!;
    // Chance: mAP about 0.1 with ~9 gallery images for each of 40 identities.
    expect(fused.mAP).toBeGreaterThan(0.45);
    expect(fused.rank1).toBeGreaterThan(0.5);
    model.dispose();
  });
});
