/** DiT config validation, specs against the PyTorch fixture, checkpoint round-trip, taps and memory. */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { exportStateDict, loadStateDict, readCheckpointConfig } from '../../io/checkpoint';
import { parseSafetensors } from '../../io/safetensors';
import { tfShapeOf } from '../../io/torch-layout';
import { unwrap } from '../../result';
import { DIT_MNIST_SMALL, type DiTConfig, validateDiTConfig } from './config';
import { ditConfigFromJson, ditConfigToJson } from './config-json';
import { createDiT, sincosPosEmbed } from './dit';
import { readDiTFixture, relativeL2 } from './golden.fixtures';
import { countDiTParams, ditSpecs } from './specs';

const TINY: DiTConfig = {
  imageShape: [1, 8, 12],
  patchSize: 4,
  hiddenSize: 16,
  depth: 2,
  numHeads: 2,
  mlpRatio: 2,
};

beforeAll(async () => {
  await switchBackend('cpu');
});

describe('DiT config', () => {
  it('accepts the presets and the fixture config', () => {
    expect(validateDiTConfig(DIT_MNIST_SMALL).ok).toBe(true);
    expect(validateDiTConfig(TINY).ok).toBe(true);
    expect(readDiTFixture().config).toEqual({
      imageShape: [2, 16, 16],
      patchSize: 4,
      hiddenSize: 32,
      depth: 2,
      numHeads: 2,
      mlpRatio: 4,
    });
  });

  it('reports every violation with a clear message', () => {
    const r = validateDiTConfig({
      imageShape: [1, 30, 28],
      patchSize: 4,
      hiddenSize: 30,
      depth: 0,
      numHeads: 4,
      mlpRatio: -1,
    });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error).toContain('divisible by patch_size 4, got 30x28');
    expect(r.error).toContain('hidden_size must be a multiple of 4');
    expect(r.error).toContain('depth must be an integer');
    expect(r.error).toContain('mlp_ratio must be a number');
    const heads = validateDiTConfig({ ...TINY, numHeads: 3 });
    expect(!heads.ok && heads.error).toContain('hidden_size 16 must be divisible by num_heads 3');
  });

  it('round-trips through snake_case JSON, defaults mlp_ratio to 4 and refuses other archs', () => {
    expect(unwrap(ditConfigFromJson(ditConfigToJson(TINY)))).toEqual(TINY);
    const { mlp_ratio: _, ...rest } = ditConfigToJson(TINY);
    expect(unwrap(ditConfigFromJson({ network: rest })).mlpRatio).toBe(4);
    expect(ditConfigFromJson({ ...rest, arch: 'unet' }).ok).toBe(false);
    const missing = ditConfigFromJson({ image_shape: [1, 8, 8] });
    expect(!missing.ok && missing.error).toContain('missing patch_size, hidden_size, depth, num_heads');
    const huge = ditConfigFromJson({ ...rest, hidden_size: 4096, depth: 64, num_heads: 16 });
    expect(!huge.ok && huge.error).toContain('parameters, more than');
  });
});

describe('DiT specs', () => {
  it('match the PyTorch state_dict names, order and shapes exactly', () => {
    const { file, config } = readDiTFixture();
    const reference = [...file.tensors]
      .filter(([k]) => k.startsWith('weights.'))
      .map(([k, t]) => ({ name: k.slice('weights.'.length), shape: t.shape }));
    expect(ditSpecs(config).map((s) => ({ name: s.name, shape: s.torchShape }))).toEqual(reference);
    expect(countDiTParams(ditSpecs(config))).toBe(Number(file.metadata.params) - 16 * 32);
  });

  it('give the MNIST preset its parameter count', () => {
    expect(countDiTParams(ditSpecs(DIT_MNIST_SMALL))).toBe(1_867_664);
  });

  it('build the official fixed sin-cos pos_embed (meshgrid(w, h) quirk included)', () => {
    const { file } = readDiTFixture();
    const ref = file.tensors.get('weights.pos_embed')?.data as Float32Array;
    expect(relativeL2(sincosPosEmbed(32, 4, 4), ref)).toBeLessThan(1e-6);
    const model = createDiT(TINY, 'random', 1);
    const pos = model.params.get('pos_embed') as tf.Variable;
    expect(pos.trainable).toBe(false);
    expect(relativeL2(pos.dataSync(), sincosPosEmbed(16, 2, 3))).toBe(0);
    model.dispose();
  });
});

describe('DiT model', () => {
  it('has non-trivial fixture blocks (the reference is not the identity)', () => {
    const { file } = readDiTFixture();
    const a0 = file.tensors.get('activation.layer-0')?.data as Float32Array;
    const a1 = file.tensors.get('activation.layer-1')?.data as Float32Array;
    expect(relativeL2(a1, a0)).toBeGreaterThan(0.05);
  });

  it('allocates every spec in its tfjs layout and gives taps only when asked', () => {
    const model = createDiT(TINY, 'random', 3);
    for (const s of model.specs) {
      expect(model.params.get(s.name)?.shape).toEqual(tfShapeOf(s.torchShape, s.layout));
    }
    const x = tf.randomNormal([2, 8, 12, 1], 0, 1, 'float32', 1) as tf.Tensor4D;
    const t = tf.tensor1d([0.01, 0.5]);
    const plain = model.forward(x, t);
    expect(plain.eps.shape).toEqual([2, 8, 12, 1]);
    expect(plain.taps).toEqual([]);
    const tapped = model.forward(x, t, { taps: true });
    expect(tapped.taps.map((tp) => [tp.name, tp.activation.shape, tp.pooled.shape])).toEqual([
      ['layer-0', [2, 6, 16], [2, 16]],
      ['layer-1', [2, 6, 16], [2, 16]],
    ]);
    expect(relativeL2(tapped.eps.dataSync(), plain.eps.dataSync())).toBe(0);
    expect(tf.abs(plain.eps).max().dataSync()[0]).toBeGreaterThan(0);
    expect(() => model.forward(tf.zeros([1, 8, 8, 1]), tf.zeros([1]))).toThrow(/NHWC \[B, 8, 12, 1\]/);
    tf.dispose([x, t, plain.eps, tapped.eps, ...tapped.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
    model.dispose();
  });

  it('leaves numTensors unchanged over repeated forward passes', () => {
    const model = createDiT(TINY, 'random', 4);
    const x = tf.randomNormal([1, 8, 12, 1]) as tf.Tensor4D;
    const t = tf.tensor1d([0.3]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      const out = model.forward(x, t, { taps: true });
      tf.dispose([out.eps, ...out.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
    }
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, t]);
    const all = tf.memory().numTensors;
    model.dispose();
    expect(tf.memory().numTensors).toBe(all - model.specs.length);
  });

  it('round-trips through exportStateDict / loadStateDict with its config in the metadata', async () => {
    const a = createDiT(TINY, 'random', 5);
    const bytes = await exportStateDict(a, { config: JSON.stringify(ditConfigToJson(TINY)) });
    const file = unwrap(parseSafetensors(bytes));
    const cfg = unwrap(readCheckpointConfig(file));
    expect(cfg.arch).toBe('dit');
    if (cfg.arch !== 'dit') return;
    const b = createDiT(unwrap(ditConfigFromJson(cfg.json)), 'zeros');
    expect(unwrap(loadStateDict(b, file.tensors)).loaded).toBe(a.specs.length);
    for (const s of a.specs) {
      const va = (a.params.get(s.name) as tf.Variable).dataSync();
      const vb = (b.params.get(s.name) as tf.Variable).dataSync();
      expect(Array.from(vb), s.name).toEqual(Array.from(va));
    }
    const x = tf.randomNormal([1, 8, 12, 1]) as tf.Tensor4D;
    const t = tf.tensor1d([0.2]);
    const ea = a.forward(x, t).eps;
    const eb = b.forward(x, t).eps;
    expect(relativeL2(eb.dataSync(), ea.dataSync())).toBe(0);
    tf.dispose([x, t, ea, eb]);
    a.dispose();
    b.dispose();
  });
});
