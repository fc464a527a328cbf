/**
 * Which network a checkpoint holds: read from the safetensors `__metadata__.config` (a JSON string, as the
 * golden file and exportStateDict write it) or from a sidecar JSON the user supplies (e.g. the official
 * yaml converted to JSON, whose architecture sits under `network`).
 */

import { isRecord } from '../diffusion/config-checks';
import type { UNetConfig } from '../diffusion/unet/config';
import { unetConfigFromJson } from '../diffusion/unet/config-json';
import { err, ok, type Result } from '../result';
import type { SafetensorsFile } from './safetensors';

export type CheckpointConfig =
  | { arch: 'unet'; config: UNetConfig; source: 'metadata' | 'sidecar' }
  /** DiT configs are passed on unparsed, for the DiT module to validate. */
  | { arch: 'dit'; json: Record<string, unknown>; source: 'metadata' | 'sidecar' };

const HOW_TO =
  'Choose the config JSON that came with the checkpoint (the `network` section of the official yaml, e.g. ' +
  '{"image_shape": [3, 32, 32], "n_channels": 128, "ch_mults": [1, 2, 2, 2], "is_attn": [false, true, false, false], ' +
  '"n_blocks": 2, "use_res_for_updown": false}).';

function describeSource(source: 'metadata' | 'sidecar'): string {
  return source === 'sidecar' ? 'The config file' : 'The checkpoint\'s metadata "config"';
}

/** The architecture the object names or implies, lower-cased ('unet', 'dit', ...); null if none. */
function detectArch(obj: Record<string, unknown>): string | null {
  const net = isRecord(obj.network) ? obj.network : obj;
  const named = obj.arch ?? obj.net_type ?? net.arch ?? net.net_type;
  if (typeof named === 'string') return named.toLowerCase();
  if ('ch_mults' in net || 'chMults' in net || 'n_channels' in net || 'nChannels' in net) return 'unet';
  if ('depth' in net && ('hidden_size' in net || 'hiddenSize' in net)) return 'dit';
  return null;
}

/**
 * The architecture of `file`. A sidecar, when given, wins over the file's own metadata (the user chose it);
 * every failure says what is missing and what to do.
 */
export function readCheckpointConfig(file: SafetensorsFile, sidecarJson?: string): Result<CheckpointConfig> {
  const source = sidecarJson !== undefined ? 'sidecar' : 'metadata';
  const text = sidecarJson ?? file.metadata.config;
  if (text === undefined) {
    const keys = Object.keys(file.metadata);
    const present =
      keys.length > 0
        ? `its metadata has only ${keys.map((k) => `"${k}"`).join(', ')}`
        : 'it has no metadata';
    return err(`The checkpoint does not say which network it holds: ${present}, no "config". ${HOW_TO}`);
  }
  const where = describeSource(source);
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return err(`${where} is not valid JSON (${(e as Error).message}). ${HOW_TO}`);
  }
  return checkpointConfigFromJson(parsed, source);
}

/** The architecture of an already parsed config object (e.g. a training run's config, sent to a thread). */
export function checkpointConfigFromJson(
  parsed: unknown,
  source: 'metadata' | 'sidecar' = 'metadata',
): Result<CheckpointConfig> {
  const where = describeSource(source);
  if (!isRecord(parsed))
    return err(`${where} must be a JSON object, got ${JSON.stringify(parsed)}. ${HOW_TO}`);
  const arch = detectArch(parsed);
  if (arch === 'unet') {
    const config = unetConfigFromJson(parsed);
    return config.ok ? ok({ arch: 'unet', config: config.value, source }) : err(`${where}: ${config.error}`);
  }
  if (arch === 'dit') return ok({ arch: 'dit', json: parsed, source });
  const what = arch === null ? 'names no known architecture' : `names the architecture "${arch}"`;
  return err(`${where} ${what}; this app runs "unet" (DDAE UNet) and "dit" networks. ${HOW_TO}`);
}
