/**
 * Checkpoint import/export: prefixes and EMA preference, every kind of mismatch reported by name, atomic
 * failure, and a bit-exact round trip through safetensors.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import type { Denoiser } from '../diffusion/denoiser';
import { validateUNetConfig } from '../diffusion/unet/config';
import { unetConfigToJson } from '../diffusion/unet/config-json';
import { GOLDEN_PATH, readReference, SMALL_UNET } from '../diffusion/unet/golden.fixtures';
import { hashWeights } from '../diffusion/unet/hash-weights.fixtures';
import { createUNet } from '../diffusion/unet/unet';
import { unwrap } from '../result';
import { exportStateDict, loadStateDict, readCheckpointConfig, type StateDictTensor } from './checkpoint';
import { parseSafetensors } from './safetensors';

type Dict = Map<string, StateDictTensor>;

/** The model's bare state_dict scaled by `k`, so that different copies are told apart. */
function weights(model: Denoiser, k = 1): Dict {
  const out: Dict = new Map();
  for (const [name, t] of hashWeights(model.specs))
    out.set(name, { shape: t.shape, data: t.data.map((v) => v * k) });
  return out;
}

const prefixed = (dict: Dict, prefix: string): Dict => new Map([...dict].map(([k, v]) => [prefix + k, v]));

/** All parameter values, keyed by name, for before/after comparisons. */
const snapshot = (model: Denoiser) =>
  new Map([...model.params].map(([name, v]) => [name, (v.dataSync() as Float32Array).slice()]));

/** Bitwise equality (vitest's toEqual is very slow on large typed arrays). */
const sameBits = (a: Float32Array | undefined, b: Float32Array | undefined): boolean =>
  a !== undefined &&
  b !== undefined &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

const errorOf = (r: { ok: boolean; error?: string }): string => {
  expect(r.ok).toBe(false);
  return r.error ?? '';
};

describe('loadStateDict', () => {
  let model: Denoiser;
  beforeAll(async () => {
    await switchBackend('wasm');
    model = createUNet(SMALL_UNET, 'zeros');
  });

  it('loads bare official names, converting conv OIHW -> HWIO and linear [out,in] -> [in,out]', () => {
    const dict = weights(model);
    expect(loadStateDict(model, dict)).toEqual({
      ok: true,
      value: { loaded: model.specs.length, prefix: null, ignored: 0 },
    });
    const conv = dict.get('down.0.res.conv1.weight') as StateDictTensor; // [32, 32, 3, 3]
    const convTf = model.params.get('down.0.res.conv1.weight')?.dataSync() as Float32Array; // [3, 3, 32, 32]
    const [o, i, y, x] = [5, 7, 2, 1];
    expect(convTf[((y * 3 + x) * 32 + i) * 32 + o]).toBe(conv.data[((o * 32 + i) * 3 + y) * 3 + x]);
    const lin = dict.get('time_emb.lin1.weight') as StateDictTensor; // [128, 32]
    const linTf = model.params.get('time_emb.lin1.weight')?.dataSync() as Float32Array; // [32, 128]
    expect(linTf[7 * 128 + 100]).toBe(lin.data[100 * 32 + 7]);
    expect(model.params.get('norm.bias')?.dataSync()).toEqual(dict.get('norm.bias')?.data);
  });

  it.each(['ema_model.nn_model.', 'module.nn_model.', 'online_model.nn_model.', 'nn_model.', 'weights.'])(
    'understands the prefix %s',
    (prefix) => {
      const r = loadStateDict(model, prefixed(weights(model), prefix));
      expect(r).toEqual({ ok: true, value: { loaded: model.specs.length, prefix, ignored: 0 } });
    },
  );

  it('prefers the EMA copy and ignores the other copies, initted and step', () => {
    const n = model.specs.length;
    const file: Dict = new Map([
      ...prefixed(weights(model, 2), 'online_model.nn_model.'),
      ...prefixed(weights(model, 3), 'module.nn_model.'),
      ...prefixed(weights(model, 4), 'ema_model.nn_model.'),
      ['initted', { shape: [], data: new Float32Array([1]) }],
      ['step', { shape: [], data: new Float32Array([1234]) }],
    ]);
    const r = loadStateDict(model, file);
    expect(r).toEqual({ ok: true, value: { loaded: n, prefix: 'ema_model.nn_model.', ignored: 2 * n + 2 } });
    expect(model.params.get('final.bias')?.dataSync()[0]).toBe(
      (weights(model, 4).get('final.bias') as StateDictTensor).data[0],
    );
  });

  it('treats initted/step as unexpected when the file uses bare names', () => {
    const file = weights(model);
    file.set('initted', { shape: [], data: new Float32Array([1]) });
    expect(errorOf(loadStateDict(model, file))).toMatch(/1 unexpected[\s\S]*Unexpected[^\n]*\n {2}initted$/);
  });

  it('names every missing, unexpected, mis-shaped and non-finite tensor in one message', () => {
    const file = prefixed(weights(model), 'ema_model.nn_model.');
    file.delete('ema_model.nn_model.down.0.res.conv1.weight');
    file.delete('ema_model.nn_model.middle.attn.output.bias');
    file.set('ema_model.nn_model.down.9.res.conv1.weight', { shape: [1], data: new Float32Array(1) });
    file.set('ema_model.nn_model.norm.weight', { shape: [16], data: new Float32Array(16) });
    file.set('ema_model.nn_model.final.weight', { shape: [1, 32, 3, 3], data: new Float32Array(5) });
    const nan = new Float32Array(32).fill(0.5);
    nan[3] = Number.NaN;
    nan[4] = Number.NaN;
    nan[9] = Number.POSITIVE_INFINITY;
    file.set('ema_model.nn_model.up.3.res.norm2.bias', { shape: [32], data: nan });
    const error = errorOf(loadStateDict(model, file));
    expect(error).toContain('2 missing, 1 unexpected, 2 mis-shaped, 1 with NaN/Inf. Nothing was loaded.');
    expect(error).toContain('prefix "ema_model.nn_model."');
    expect(error).toContain('  down.0.res.conv1.weight [32, 32, 3, 3]');
    expect(error).toContain('  middle.attn.output.bias [64]');
    expect(error).toContain('  ema_model.nn_model.down.9.res.conv1.weight');
    expect(error).toContain('  ema_model.nn_model.norm.weight: file [16], model [32]');
    expect(error).toContain(
      '  ema_model.nn_model.final.weight: file [1, 32, 3, 3] holding 5 values, model [1, 32, 3, 3]',
    );
    expect(error).toContain('  ema_model.nn_model.up.3.res.norm2.bias: 2 NaN, 1 Inf');
  });

  it('says when nothing matches (another architecture) and lists the foreign tensors', () => {
    const foreign: Dict = new Map([
      ['module.nn_model.blocks.0.attn.qkv.weight', { shape: [3, 1], data: new Float32Array(3) }],
    ]);
    const error = errorOf(loadStateDict(model, foreign));
    expect(error).toContain(`${model.specs.length} missing, 1 unexpected`);
    expect(error).toContain('  module.nn_model.blocks.0.attn.qkv.weight');
    expect(error).toMatch(/different architecture or config\?$/);
  });

  it('is atomic: a failing import leaves the previous weights untouched', () => {
    unwrap(loadStateDict(model, weights(model, 1)));
    const before = snapshot(model);
    const bad = weights(model, 2);
    (bad.get('final.bias') as StateDictTensor).data[0] = Number.NaN;
    expect(loadStateDict(model, bad).ok).toBe(false);
    const shaped = weights(model, 3);
    shaped.set('norm.weight', { shape: [31], data: new Float32Array(31) });
    expect(loadStateDict(model, shaped).ok).toBe(false);
    const after = snapshot(model);
    for (const [name, values] of before) expect(sameBits(after.get(name), values), name).toBe(true);
  });

  it("does not alias the caller's arrays", () => {
    const dict = weights(model);
    unwrap(loadStateDict(model, dict));
    (dict.get('norm.bias') as StateDictTensor).data.fill(42);
    expect(model.params.get('norm.bias')?.dataSync()[0]).not.toBe(42);
  });
});

describe('exportStateDict', () => {
  beforeAll(async () => {
    await switchBackend('wasm');
  });

  it('round-trips: export -> parse -> config -> fresh model -> identical parameters and outputs', async () => {
    const config = unwrap(
      validateUNetConfig({ ...SMALL_UNET, useResForUpdown: true, attnChannelsPerHead: 16 }),
    );
    const a = createUNet(config, 'random', 11);
    const bytes = await exportStateDict(a, { config: JSON.stringify(unetConfigToJson(config)) });
    const file = unwrap(parseSafetensors(bytes));
    expect(file.metadata.format).toBe('pt');
    expect([...file.tensors].map(([k, t]) => [k, t.shape])).toEqual(
      a.specs.map((s) => [s.name, s.torchShape]),
    );
    const cfg = unwrap(readCheckpointConfig(file));
    if (cfg.arch !== 'unet') throw new Error('expected a UNet config');
    expect(cfg.config).toEqual({ ...config, augmentDim: 0 });
    const b = createUNet(cfg.config, 'zeros');
    expect(loadStateDict(b, file.tensors)).toEqual({
      ok: true,
      value: { loaded: a.specs.length, prefix: null, ignored: 0 },
    });
    const pa = snapshot(a);
    const pb = snapshot(b);
    for (const [name, values] of pa) expect(sameBits(pb.get(name), values), name).toBe(true);
    const x = tf.randomNormal([2, 8, 8, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
    const t = tf.tensor1d([0.1, 0.9]);
    const ya = a.forward(x, t).eps;
    const yb = b.forward(x, t).eps;
    expect(sameBits((await yb.data()) as Float32Array, (await ya.data()) as Float32Array)).toBe(true);
    tf.dispose([x, t, ya, yb]);
    a.dispose();
    b.dispose();
  });

  it("writes back the golden file's weights bit for bit (both layout conversions are exact inverses)", async () => {
    const golden = readReference(GOLDEN_PATH);
    const cfg = unwrap(readCheckpointConfig(golden));
    if (cfg.arch !== 'unet') throw new Error('expected a UNet config');
    const model = createUNet(cfg.config, 'zeros');
    unwrap(loadStateDict(model, golden.tensors));
    const exported = unwrap(parseSafetensors(await exportStateDict(model)));
    for (const [name, t] of exported.tensors) {
      const ref = golden.tensors.get(`weights.${name}`);
      expect(t.shape, name).toEqual(ref?.shape);
      expect(sameBits(t.data, ref?.data), name).toBe(true);
    }
    model.dispose();
  });
});
