import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseSafetensors, writeSafetensors } from '../io/safetensors';
import { embedImages } from './embed';
import { createReidModel, preprocess } from './model';
import { testImages as images, TINY_REID } from './model.fixtures';
import { countReidParams, DEFAULT_REID_CONFIG, reidSpecs, validateReidConfig } from './model-config';
import { loadReidModel, serializeReidModel } from './model-io';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('AlignedReID model', () => {
  it('uses state_dict names of the huanghoujing model', () => {
    const names = reidSpecs({ ...DEFAULT_REID_CONFIG, numClasses: 10 }).map((s) => s.name);
    for (const n of [
      'base.conv1.weight',
      'base.bn1.running_var',
      'base.layer1.0.conv1.weight',
      'base.layer2.0.downsample.0.weight',
      'base.layer2.0.downsample.1.running_mean',
      'local_conv.weight',
      'local_conv.bias',
      'local_bn.weight',
      'fc.weight',
    ]) {
      expect(names).toContain(n);
    }
    expect(names).not.toContain('base.layer1.0.downsample.0.weight'); // 16 -> 16 at stride 1
    expect(countReidParams(reidSpecs(DEFAULT_REID_CONFIG))).toBeLessThan(500_000);
  });

  it('maps 64x32 images to a 128-d global feature, 8 stripes of 128 and logits', () => {
    const model = createReidModel({ ...DEFAULT_REID_CONFIG, numClasses: 7 });
    const x = preprocess(model.config, images(2, 64, 32), 2);
    const out = model.forward(x);
    expect(out.global.shape).toEqual([2, 128]);
    expect(out.local.shape).toEqual([2, 8, 128]);
    expect(out.logits?.shape).toEqual([2, 7]);
    // Stripes are unit vectors (normalizeLocal).
    const norms = tf.norm(out.local, 'euclidean', -1).dataSync();
    for (const v of norms) expect(v).toBeCloseTo(1, 4);
    tf.dispose([x, out.global, out.local, out.logits!]);
    model.dispose();
  });

  it('normalises with batch statistics in training and running statistics in evaluation', () => {
    const model = createReidModel(TINY_REID, 3);
    const x = preprocess(TINY_REID, images(4, 32, 16), 4);
    const stats = new Map();
    const train = model.forward(x, { training: true, onBatchStats: (n, s) => stats.set(n, s) });
    const evalOut = model.forward(x);
    expect(stats.size).toBe(reidSpecs(TINY_REID).filter((s) => s.name.endsWith('.running_mean')).length);
    expect(tf.max(tf.abs(tf.sub(train.global, evalOut.global))).dataSync()[0]).toBeGreaterThan(1e-3);
    const before = model.params.get('base.bn1.running_mean')!.dataSync().slice();
    model.updateRunningStats(stats);
    const after = model.params.get('base.bn1.running_mean')!.dataSync();
    const batchMean = stats.get('base.bn1').mean.dataSync();
    for (let c = 0; c < after.length; c++)
      expect(after[c]).toBeCloseTo(0.9 * before[c] + 0.1 * batchMean[c], 5);
    for (const s of stats.values()) tf.dispose([s.mean, s.variance]);
    tf.dispose([x, train.global, train.local, train.logits!, evalOut.global, evalOut.local, evalOut.logits!]);
    model.dispose();
  });

  it('leaves the tensor count unchanged over repeated calls', async () => {
    const model = createReidModel(TINY_REID, 4);
    const bytes = images(3, 32, 16);
    await embedImages(model, bytes, 3);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 3; r++) await embedImages(model, bytes, 3, { batchSize: 2 });
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('embeds images in batches with the same features as one batch', async () => {
    const model = createReidModel(TINY_REID, 5);
    const bytes = images(5, 32, 16, 2);
    const a = await embedImages(model, bytes, 5);
    const b = await embedImages(model, bytes, 5, { batchSize: 2 });
    expect(a.global.dims).toBe(8);
    expect([a.local.count, a.local.stripes, a.local.channels]).toEqual([5, 4, 6]);
    for (let i = 0; i < a.local.data.length; i++) expect(b.local.data[i]).toBeCloseTo(a.local.data[i], 5);
    model.dispose();
  });

  it('round-trips through safetensors with the config in the metadata', async () => {
    const model = createReidModel(TINY_REID, 6);
    // Non-trivial running statistics, so that the buffers are checked too.
    model.params.get('local_bn.running_var')!.assign(tf.fill([6], 2.5));
    const bytes = await serializeReidModel(model, { note: 'test' });
    const parsed = parseSafetensors(bytes);
    expect(parsed.ok && parsed.value.metadata.note).toBe('test');
    expect(parsed.ok && [...parsed.value.tensors.keys()]).toEqual(model.specs.map((s) => s.name));
    // PyTorch layout on disk: conv [out, in, kh, kw].
    expect(parsed.ok && parsed.value.tensors.get('base.conv1.weight')?.shape).toEqual([4, 3, 3, 3]);
    const loaded = loadReidModel(bytes);
    if (!loaded.ok) throw new Error(loaded.error);
    expect(loaded.value.model.config).toEqual(TINY_REID);
    const x = preprocess(TINY_REID, images(2, 32, 16), 2);
    const a = model.forward(x);
    const b = loaded.value.model.forward(x);
    expect(tf.max(tf.abs(tf.sub(a.local, b.local))).dataSync()[0]).toBe(0);
    expect(tf.max(tf.abs(tf.sub(a.global, b.global))).dataSync()[0]).toBe(0);
    model.dispose();
    loaded.value.model.dispose();
  });

  it('refuses files that do not fit their config, with a message', async () => {
    const model = createReidModel(TINY_REID, 7);
    const good = parseSafetensors(await serializeReidModel(model));
    if (!good.ok) throw new Error(good.error);
    const { tensors, metadata } = good.value;
    const without = new Map(tensors);
    without.delete('fc.bias');
    const missing = loadReidModel(writeSafetensors(without, metadata));
    expect(!missing.ok && missing.error).toMatch(/missing fc\.bias/);
    const nan = new Map(tensors);
    nan.set('fc.bias', { ...tensors.get('fc.bias')!, data: new Float32Array(5).fill(Number.NaN) });
    expect(loadReidModel(writeSafetensors(nan, metadata)).ok).toBe(false);
    const noConfig = loadReidModel(writeSafetensors(tensors, { format: 'pt' }));
    expect(!noConfig.ok && noConfig.error).toMatch(/reid_config/);
    const badConfig = loadReidModel(writeSafetensors(tensors, { reid_config: '{"arch":"x"}' }));
    expect(badConfig.ok).toBe(false);
    expect(loadReidModel(new Uint8Array([1, 2, 3])).ok).toBe(false);
    model.dispose();
  });

  it('validates configs', () => {
    expect(validateReidConfig(DEFAULT_REID_CONFIG)).toEqual([]);
    expect(validateReidConfig({ ...DEFAULT_REID_CONFIG, inputSize: [60, 32] }).join()).toMatch(/multiple/);
    expect(validateReidConfig({ ...DEFAULT_REID_CONFIG, stages: [] }).join()).toMatch(/stages/);
  });
});
