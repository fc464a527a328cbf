/**
 * A live Denoiser from checkpoint bytes (safetensors + optional sidecar config): what the worker's model
 * store, the training resume path and the CLIs all need. Errors say what is wrong and what to do.
 */
import type { Denoiser } from '../diffusion/denoiser';
import { createDiT, ditConfigFromJson, ditConfigToJson } from '../diffusion/dit';
import { createUNet, type ParamInit, unetConfigToJson } from '../diffusion/unet';
import { err, ok, type Result } from '../result';
import { type CheckpointConfig, loadStateDict, readCheckpointConfig } from './checkpoint';
import { parseSafetensors, type SafetensorsFile } from './safetensors';

/** An empty (zero) network of the config's architecture, and its config as JSON for model cards. */
export function createFromConfig(
  c: CheckpointConfig,
  init: ParamInit = 'zeros',
  seed = 0,
): Result<{ model: Denoiser; json: Record<string, unknown> }> {
  if (c.arch === 'unet') {
    return ok({
      model: createUNet(c.config, init, seed),
      json: { arch: 'unet', ...unetConfigToJson(c.config) },
    });
  }
  const dit = ditConfigFromJson(c.json);
  if (!dit.ok) return err(`The DiT config is not valid: ${dit.error}`);
  return ok({ model: createDiT(dit.value, init, seed), json: ditConfigToJson(dit.value) });
}

export interface LoadedDenoiser {
  model: Denoiser;
  /** The architecture config as written in the file (for model cards and re-export). */
  json: Record<string, unknown>;
  /** The state_dict prefix the weights came from (e.g. `ema_model.nn_model.`), null for bare names. */
  prefix: string | null;
  file: SafetensorsFile;
}

export function denoiserFromCheckpoint(
  bytes: Uint8Array,
  name: string,
  sidecar?: string,
): Result<LoadedDenoiser> {
  const parsed = parseSafetensors(bytes);
  if (!parsed.ok) return err(`${name} is not a readable safetensors file: ${parsed.error}`);
  const config = readCheckpointConfig(parsed.value, sidecar);
  if (!config.ok) return err(config.error);
  const created = createFromConfig(config.value);
  if (!created.ok) return created;
  const { model, json } = created.value;
  const loaded = loadStateDict(model, parsed.value.tensors);
  if (!loaded.ok) {
    model.dispose();
    return err(loaded.error);
  }
  return ok({ model, json, prefix: loaded.value.prefix, file: parsed.value });
}
