/**
 * Names, shapes and order of the UNet's parameters against the official state_dicts: the 35.7M and 56.5M
 * CIFAR-10 key lists (computed from specs alone, nothing allocated) and the golden file's `weights.*`.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DDPM_CIFAR10_35M, DDPMPP_CIFAR10_56M, MNIST_TINY_GOLDEN, type UNetConfig } from './config';
import { GOLDEN_PATH, readReference } from './golden.fixtures';
import { buildUNetPlan } from './plan';
import { countParams, unetSpecs } from './specs';

const RESEARCH = resolve(process.cwd(), '../shared/research');

/** Lines like `down.3.res.conv2.1.weight (256, 256, 3, 3)`. */
function readKeyFile(name: string): string[] {
  return readFileSync(resolve(RESEARCH, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => l.replace(/\(([\d, ]*?),?\)$/, (_, dims: string) => `[${dims.replace(/\s/g, '')}]`));
}

const specLines = (config: UNetConfig) =>
  unetSpecs(config).map((s) => `${s.name} [${s.torchShape.join(',')}]`);

describe('UNet parameter specs', () => {
  it('match the official 35.7M DDPM CIFAR-10 state_dict exactly (names, shapes, order)', () => {
    const expected = readKeyFile('ddae_unet35M_state_dict_keys.txt');
    expect(expected).toHaveLength(304);
    expect(specLines(DDPM_CIFAR10_35M)).toEqual(expected);
    expect(countParams(unetSpecs(DDPM_CIFAR10_35M))).toBe(35_746_307);
  });

  it('match the official 56.5M DDPM++ CIFAR-10 state_dict exactly (names, shapes, order)', () => {
    const expected = readKeyFile('ddae_ddpmpp56M_state_dict_keys.txt');
    expect(expected).toHaveLength(432);
    expect(specLines(DDPMPP_CIFAR10_56M)).toEqual(expected);
    expect(countParams(unetSpecs(DDPMPP_CIFAR10_56M))).toBe(56_524_291);
  });

  it("match the golden file's weights.* names, shapes and order, and its parameter count", () => {
    const golden = readReference(GOLDEN_PATH);
    const weights = [...golden.tensors]
      .filter(([k]) => k.startsWith('weights.'))
      .map(([k, t]) => `${k.slice('weights.'.length)} [${t.shape.join(',')}]`);
    expect(specLines(MNIST_TINY_GOLDEN)).toEqual(weights);
    expect(countParams(unetSpecs(MNIST_TINY_GOLDEN))).toBe(Number(golden.metadata.params));
  });

  it('give the official decoder taps: 12 for 35.7M, 15 for 56.5M', () => {
    expect(buildUNetPlan(DDPM_CIFAR10_35M).taps).toEqual(
      Array.from({ length: 12 }, (_, i) => `out_${i + 1}`),
    );
    expect(buildUNetPlan(DDPMPP_CIFAR10_56M).taps).toHaveLength(15);
  });

  it('lay out conv as HWIO-convertible [out,in,kh,kw], linear as [out,in], the rest plain', () => {
    const specs = unetSpecs(DDPM_CIFAR10_35M);
    const byName = new Map(specs.map((s) => [s.name, s]));
    expect(byName.get('image_proj.weight')?.layout).toBe('conv');
    expect(byName.get('down.3.res.shortcut.weight')?.layout).toBe('conv');
    expect(byName.get('time_emb.lin1.weight')?.layout).toBe('linear');
    expect(byName.get('middle.attn.projection.weight')?.layout).toBe('linear');
    expect(byName.get('down.0.res.time_emb.1.weight')?.layout).toBe('linear');
    expect(byName.get('norm.weight')?.layout).toBe('plain');
    expect(byName.get('final.bias')?.layout).toBe('plain');
    for (const s of specs) {
      const expected = s.torchShape.length === 4 ? 'conv' : s.torchShape.length === 2 ? 'linear' : 'plain';
      expect(s.layout, s.name).toBe(expected);
    }
  });

  it('add time_emb.aug_emb.weight before lin1 with augment_dim (EDM_ddpmpp_aug: 56,525,443)', () => {
    const specs = unetSpecs({ ...DDPMPP_CIFAR10_56M, augmentDim: 9 });
    expect(specs.slice(2, 4).map((s) => [s.name, s.torchShape])).toEqual([
      ['time_emb.aug_emb.weight', [128, 9]],
      ['time_emb.lin1.weight', [512, 128]],
    ]);
    expect(countParams(specs)).toBe(56_525_443);
  });

  it('size multi-head attention as the official code: heads = floor(C / d_k)', () => {
    // 64 channels, 24 per head -> 2 heads: projection 64 -> 3 * 48, output 48 -> 64.
    const config: UNetConfig = { ...MNIST_TINY_GOLDEN, attnChannelsPerHead: 24 };
    const byName = new Map(unetSpecs(config).map((s) => [s.name, s.torchShape]));
    expect(byName.get('middle.attn.projection.weight')).toEqual([144, 64]);
    expect(byName.get('middle.attn.output.weight')).toEqual([64, 48]);
    const plan = buildUNetPlan(config);
    expect(plan.middle.attn).toMatchObject({ heads: 2, headDim: 24, channels: 64 });
  });
});
