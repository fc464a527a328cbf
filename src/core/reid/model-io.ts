/**
 * ReID model files: safetensors with every parameter and BN buffer under its state_dict name, in PyTorch
 * layout (conv [out, in, kh, kw], linear [out, in]), and the model config as JSON in the metadata
 * (`reid_config`). Loading checks the config, every name, shape and value before building the model, so a
 * bad file gives a message, not a half-loaded network. Names outside the model are refused, except those
 * under `extraPrefixes` (a training checkpoint keeps the optimiser's moments as `adam.m.*`, `adam.v.*`).
 */
import * as tf from '@tensorflow/tfjs';
import {
  parseSafetensors,
  type SafetensorsFile,
  type TensorToWrite,
  writeSafetensors,
} from '../io/safetensors';
import { tfShapeOf, tfToTorch, torchToTf } from '../io/torch-layout';
import { err, ok, type Result } from '../result';
import { createReidModel, type ReidModel } from './model';
import { type ReidModelConfig, validateReidConfig } from './model-config';

export const REID_CONFIG_KEY = 'reid_config';

/** The trained model the app ships, relative to the site root (public/ in the repository). */
export const SHIPPED_REID_MODEL = 'models/reid/aligned-reid-synthetic.safetensors';
/** Its model card: architecture, data, training and the evaluation table. */
export const SHIPPED_REID_CARD = 'models/reid/aligned-reid-synthetic.card.json';

/** The model's tensors in PyTorch layout, in spec order. */
export async function reidTensors(model: ReidModel): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (const spec of model.specs) {
    const v = model.params.get(spec.name)!;
    // `await data()`: dataSync reads zeros on WebGPU in some browsers.
    const values = (await v.data()) as Float32Array;
    out.push({ name: spec.name, shape: [...spec.torchShape], data: tfToTorch(spec, values) });
  }
  return out;
}

/** The model as safetensors bytes; `metadata` is merged into the file's metadata (strings only). */
export async function serializeReidModel(
  model: ReidModel,
  metadata: Record<string, string> = {},
  extraTensors: readonly TensorToWrite[] = [],
): Promise<Uint8Array> {
  const tensors = [...(await reidTensors(model)), ...extraTensors];
  return writeSafetensors(tensors, {
    format: 'pt',
    ...metadata,
    [REID_CONFIG_KEY]: JSON.stringify(model.config),
  });
}

export function readReidConfig(metadata: Record<string, string>): Result<ReidModelConfig> {
  const text = metadata[REID_CONFIG_KEY];
  if (text === undefined)
    return err(`The file has no "${REID_CONFIG_KEY}" metadata: it is not a ReID model file.`);
  let config: ReidModelConfig;
  try {
    config = JSON.parse(text) as ReidModelConfig;
  } catch {
    return err(`The "${REID_CONFIG_KEY}" metadata is not valid JSON.`);
  }
  if (typeof config !== 'object' || config === null) return err(`"${REID_CONFIG_KEY}" is not an object.`);
  const problems = validateReidConfig(config);
  return problems.length > 0 ? err(`The model config is invalid: ${problems.join('; ')}.`) : ok(config);
}

/** Every problem that stops `file` from loading into `model`; empty if none. */
export function checkReidTensors(
  model: ReidModel,
  file: SafetensorsFile,
  extraPrefixes: readonly string[] = [],
) {
  const problems: string[] = [];
  const names = new Set(model.specs.map((s) => s.name));
  for (const spec of model.specs) {
    const t = file.tensors.get(spec.name);
    if (!t) {
      problems.push(`missing ${spec.name}`);
      continue;
    }
    if (t.shape.join(',') !== spec.torchShape.join(',')) {
      problems.push(`${spec.name} has shape [${t.shape}], expected [${spec.torchShape}]`);
    } else if (!t.data.every(Number.isFinite)) {
      problems.push(`${spec.name} holds NaN or infinite values`);
    }
  }
  for (const key of file.tensors.keys()) {
    if (!names.has(key) && !extraPrefixes.some((p) => key.startsWith(p))) problems.push(`unexpected ${key}`);
  }
  return problems;
}

/** Copies the file's tensors into the model's variables (after `checkReidTensors` passed). */
export function assignReidTensors(model: ReidModel, file: SafetensorsFile): void {
  for (const spec of model.specs) {
    const t = file.tensors.get(spec.name)!;
    const value = tf.tensor(torchToTf(spec, t.data), tfShapeOf(spec.torchShape, spec.layout), 'float32');
    model.params.get(spec.name)!.assign(value);
    value.dispose();
  }
}

export interface LoadedReidModel {
  model: ReidModel;
  file: SafetensorsFile;
}

/** Parses a ReID model file and builds the model it describes. */
export function loadReidModel(
  bytes: Uint8Array,
  extraPrefixes: readonly string[] = [],
): Result<LoadedReidModel> {
  const parsed = parseSafetensors(bytes);
  if (!parsed.ok) return parsed;
  const config = readReidConfig(parsed.value.metadata);
  if (!config.ok) return config;
  const model = createReidModel(config.value);
  const problems = checkReidTensors(model, parsed.value, extraPrefixes);
  if (problems.length > 0) {
    model.dispose();
    const shown = problems.slice(0, 8).join('; ');
    return err(
      `The file does not fit its own config: ${shown}${problems.length > 8 ? `; and ${problems.length - 8} more` : ''}.`,
    );
  }
  assignReidTensors(model, parsed.value);
  return ok({ model, file: parsed.value });
}
