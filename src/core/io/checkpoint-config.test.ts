import { describe, expect, it } from 'vitest';
import { DDPMPP_CIFAR10_56M, MNIST_TINY_GOLDEN } from '../diffusion/unet/config';
import { GOLDEN_PATH, readReference } from '../diffusion/unet/golden.fixtures';
import { readCheckpointConfig } from './checkpoint';
import type { SafetensorsFile } from './safetensors';

const fileWith = (metadata: Record<string, string>): SafetensorsFile => ({ tensors: new Map(), metadata });

/** config/DDPM_ddpmpp.yaml converted to JSON. */
const DDPMPP_YAML = JSON.stringify({
  model_type: 'DDPM',
  net_type: 'UNet',
  diffusion: { n_T: 1000, betas: [1e-4, 0.02] },
  network: {
    image_shape: [3, 32, 32],
    n_channels: 128,
    ch_mults: [2, 2, 2],
    is_attn: [false, true, false],
    dropout: 0.1,
    n_blocks: 4,
    use_res_for_updown: true,
  },
  linear: { timestep: 11, blockname: 'out_6' },
});

const errorOf = (r: { ok: boolean; error?: string }): string => {
  expect(r.ok).toBe(false);
  return r.error ?? '';
};

describe('readCheckpointConfig', () => {
  it("reads the golden file's __metadata__.config", () => {
    const r = readCheckpointConfig(readReference(GOLDEN_PATH));
    expect(r).toEqual({
      ok: true,
      value: {
        arch: 'unet',
        source: 'metadata',
        config: { ...MNIST_TINY_GOLDEN, dropout: 0.1, augmentDim: 0 },
      },
    });
  });

  it('prefers a sidecar JSON (the official yaml as JSON) over the metadata', () => {
    const r = readCheckpointConfig(readReference(GOLDEN_PATH), DDPMPP_YAML);
    expect(r).toEqual({
      ok: true,
      value: { arch: 'unet', source: 'sidecar', config: { ...DDPMPP_CIFAR10_56M, augmentDim: 0 } },
    });
  });

  it('says what is missing when there is no config, naming the metadata keys present', () => {
    expect(errorOf(readCheckpointConfig(fileWith({})))).toMatch(
      /does not say which network.*no metadata.*config JSON/,
    );
    expect(errorOf(readCheckpointConfig(fileWith({ format: 'pt' })))).toMatch(/only "format", no "config"/);
  });

  it('reports invalid JSON and invalid configs with their source', () => {
    expect(errorOf(readCheckpointConfig(fileWith({ config: '{"n_channels": ' })))).toMatch(
      /metadata "config" is not valid JSON/,
    );
    expect(errorOf(readCheckpointConfig(fileWith({}), '[1]'))).toMatch(
      /The config file must be a JSON object/,
    );
    const bad = JSON.stringify({ ...JSON.parse(DDPMPP_YAML).network, n_channels: 100 });
    expect(errorOf(readCheckpointConfig(fileWith({}), bad))).toMatch(
      /The config file: Invalid UNet config:\n- n_channels must be a multiple of 32/,
    );
  });

  it('passes DiT configs on unparsed and refuses unknown architectures', () => {
    const dit = { arch: 'dit', depth: 28, hidden_size: 1152, patch_size: 2, num_heads: 16 };
    expect(readCheckpointConfig(fileWith({ config: JSON.stringify(dit) }))).toEqual({
      ok: true,
      value: { arch: 'dit', json: dit, source: 'metadata' },
    });
    expect(errorOf(readCheckpointConfig(fileWith({ config: '{"net_type": "UViT"}' })))).toMatch(
      /names the architecture "uvit"/,
    );
    expect(errorOf(readCheckpointConfig(fileWith({ config: '{"lr": 1}' })))).toMatch(
      /names no known architecture/,
    );
  });
});
