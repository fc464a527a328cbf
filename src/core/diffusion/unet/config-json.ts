/**
 * Config objects from JSON: the official yaml's `network:` section (snake_case, as in checkpoint metadata
 * or a sidecar file) to a validated UNetConfig, and back.
 */
import { err, ok, type Result } from '../../result';
import { isRecord, readConfigFields } from '../config-checks';
import { type UNetConfig, validateUNetConfig } from './config';
import { countParams, unetSpecs } from './specs';

/** 4x the largest official network; a file asking for more is refused before anything is allocated. */
export const MAX_UNET_PARAMS = 250_000_000;

/** snake_case (official yaml) -> camelCase field names. */
const FIELDS = [
  ['image_shape', 'imageShape'],
  ['n_channels', 'nChannels'],
  ['ch_mults', 'chMults'],
  ['is_attn', 'isAttn'],
  ['attn_channels_per_head', 'attnChannelsPerHead'],
  ['n_blocks', 'nBlocks'],
  ['use_res_for_updown', 'useResForUpdown'],
  ['dropout', 'dropout'],
  ['augment_dim', 'augmentDim'],
] as const;

/** Fields a config must name: a typo must not silently fall back to the 35.7M defaults. */
const REQUIRED = new Set([
  'image_shape',
  'n_channels',
  'ch_mults',
  'is_attn',
  'n_blocks',
  'use_res_for_updown',
]);

/**
 * Reads a UNet config from parsed JSON: the official snake_case names (or our camelCase ones), either at the
 * top level or under `network` as in the official yaml files. `attn_channels_per_head` defaults to null,
 * `dropout` to 0.1 and `augment_dim` to 0, as in the official constructor; the rest are required.
 */
export function unetConfigFromJson(obj: unknown): Result<UNetConfig> {
  if (!isRecord(obj)) return err(`A UNet config must be a JSON object, got ${JSON.stringify(obj)}`);
  const src = isRecord(obj.network) ? obj.network : obj;
  const { values, missing } = readConfigFields(src, FIELDS, REQUIRED);
  if (missing.length > 0) return err(`Invalid UNet config: missing ${missing.join(', ')}`);
  const config = {
    attnChannelsPerHead: null,
    dropout: 0.1,
    augmentDim: 0,
    ...values,
  } as unknown as UNetConfig;
  const valid = validateUNetConfig(config);
  if (!valid.ok) return valid;
  const params = countParams(unetSpecs(valid.value));
  if (params > MAX_UNET_PARAMS) {
    return err(`Invalid UNet config: it has ${params} parameters, more than the ${MAX_UNET_PARAMS} limit`);
  }
  return ok(valid.value);
}

/** The official snake_case form, for `__metadata__.config` of exported checkpoints. */
export function unetConfigToJson(c: UNetConfig): Record<string, unknown> {
  return {
    image_shape: [...c.imageShape],
    n_channels: c.nChannels,
    ch_mults: [...c.chMults],
    is_attn: [...c.isAttn],
    attn_channels_per_head: c.attnChannelsPerHead,
    n_blocks: c.nBlocks,
    use_res_for_updown: c.useResForUpdown,
    dropout: c.dropout,
    augment_dim: c.augmentDim ?? 0,
  };
}
