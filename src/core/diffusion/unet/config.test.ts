/** UNet config validation and the JSON (official yaml `network:` section) reader. */
import { describe, expect, it } from 'vitest';
import {
  DDPM_CIFAR10_35M,
  DDPMPP_CIFAR10_56M,
  MNIST_TINY_GOLDEN,
  UNET_PRESETS,
  type UNetConfig,
  validateUNetConfig,
} from './config';
import { unetConfigFromJson, unetConfigToJson } from './config-json';

const errorOf = (r: { ok: boolean; error?: string }): string => {
  expect(r.ok).toBe(false);
  return r.error ?? '';
};

/** The `network:` section of config/DDPM_ddpmpp.yaml as JSON. */
const DDPMPP_YAML_NETWORK = {
  image_shape: [3, 32, 32],
  n_channels: 128,
  ch_mults: [2, 2, 2],
  is_attn: [false, true, false],
  dropout: 0.1,
  n_blocks: 4,
  use_res_for_updown: true,
};

describe('validateUNetConfig', () => {
  it('accepts the presets', () => {
    for (const config of Object.values(UNET_PRESETS)) expect(validateUNetConfig(config).ok).toBe(true);
    expect(Object.keys(UNET_PRESETS)).toEqual([
      'ddpm-cifar10-35.7M',
      'ddpmpp-cifar10-56.5M',
      'mnist-tiny-golden',
    ]);
  });

  it.each<[string, Partial<UNetConfig>, RegExp]>([
    ['n_channels not a multiple of 32', { nChannels: 48 }, /n_channels must be a multiple of 32/],
    ['empty ch_mults', { chMults: [] }, /ch_mults must list/],
    ['fractional ch_mult', { chMults: [1, 1.5, 2] }, /ch_mults/],
    ['is_attn length', { isAttn: [false, true] }, /is_attn has 2 entries but ch_mults has 3/],
    [
      'is_attn not booleans',
      { isAttn: [0, 1, 0] as unknown as boolean[] },
      /is_attn must be a list of booleans/,
    ],
    ['n_blocks 0 (the official assert fails)', { nBlocks: 0 }, /n_blocks must be an integer in 1\.\./],
    [
      'odd size after down-sampling',
      { imageShape: [1, 30, 28] },
      /divisible by 2\^\(len\(ch_mults\)-1\) = 4, got 30x28/,
    ],
    [
      'image_shape rank',
      { imageShape: [28, 28] as unknown as [number, number, number] },
      /image_shape must be/,
    ],
    ['dropout 1', { dropout: 1 }, /dropout must be a number in \[0, 1\)/],
    [
      'use_res_for_updown not boolean',
      { useResForUpdown: 'yes' as unknown as boolean },
      /use_res_for_updown/,
    ],
    ['d_k larger than an attention block', { attnChannelsPerHead: 128 }, /exceeds the 64 channels/],
    ['d_k zero', { attnChannelsPerHead: 0 }, /attn_channels_per_head must be null or a positive integer/],
    ['negative augment_dim', { augmentDim: -1 }, /augment_dim/],
    ['too many channels', { nChannels: 2048, chMults: [1, 4, 4] }, /must stay <= 4096 channels/],
  ])('rejects %s', (_, change, message) => {
    expect(errorOf(validateUNetConfig({ ...MNIST_TINY_GOLDEN, ...change }))).toMatch(message);
  });

  it('lists every problem at once', () => {
    const error = errorOf(
      validateUNetConfig({ ...MNIST_TINY_GOLDEN, nChannels: 33, nBlocks: 0, dropout: -1 }),
    );
    expect(error.split('\n- ')).toHaveLength(4);
  });
});

describe('unetConfigFromJson', () => {
  it("reads the official yaml's network section, nested or not, with official defaults", () => {
    for (const json of [DDPMPP_YAML_NETWORK, { net_type: 'UNet', network: DDPMPP_YAML_NETWORK }]) {
      const r = unetConfigFromJson(json);
      expect(r).toEqual({ ok: true, value: { ...DDPMPP_CIFAR10_56M, augmentDim: 0 } });
    }
  });

  it("reads the golden file's metadata config", () => {
    const golden =
      '{"image_shape": [1, 28, 28], "n_channels": 32, "ch_mults": [1, 2, 2], "is_attn": [false, true, false], "attn_channels_per_head": null, "n_blocks": 1, "use_res_for_updown": false}';
    const r = unetConfigFromJson(JSON.parse(golden));
    expect(r).toEqual({ ok: true, value: { ...MNIST_TINY_GOLDEN, dropout: 0.1, augmentDim: 0 } });
  });

  it('accepts camelCase names and round-trips through unetConfigToJson', () => {
    expect(unetConfigFromJson({ ...DDPM_CIFAR10_35M })).toEqual({
      ok: true,
      value: { ...DDPM_CIFAR10_35M, augmentDim: 0 },
    });
    const cfg = { ...DDPMPP_CIFAR10_56M, attnChannelsPerHead: 64, augmentDim: 9 };
    expect(unetConfigFromJson(JSON.parse(JSON.stringify(unetConfigToJson(cfg))))).toEqual({
      ok: true,
      value: cfg,
    });
  });

  it('names missing required fields instead of falling back to defaults', () => {
    const { n_blocks: _, ...rest } = DDPMPP_YAML_NETWORK;
    expect(errorOf(unetConfigFromJson({ ...rest, n_block: 4 }))).toMatch(/missing n_blocks/);
    expect(errorOf(unetConfigFromJson({}))).toMatch(
      /missing image_shape, n_channels, ch_mults, is_attn, n_blocks, use_res_for_updown/,
    );
  });

  it('rejects non-objects and invalid values with the validation message', () => {
    expect(errorOf(unetConfigFromJson([1, 2]))).toMatch(/must be a JSON object/);
    expect(errorOf(unetConfigFromJson(null))).toMatch(/must be a JSON object/);
    expect(errorOf(unetConfigFromJson({ ...DDPMPP_YAML_NETWORK, n_channels: '128' }))).toMatch(/n_channels/);
  });

  it('refuses configs too large to allocate', () => {
    const huge = { ...DDPMPP_YAML_NETWORK, n_channels: 1024, ch_mults: [4, 4, 4], n_blocks: 8 };
    expect(errorOf(unetConfigFromJson(huge))).toMatch(/parameters, more than the 250000000 limit/);
  });
});
