/**
 * Checkpoint import/export for any Denoiser, keyed by the official PyTorch state_dict names. Import finds
 * the model's tensors under the prefixes the official training code writes (EMA first), converts PyTorch
 * layouts to tfjs, and is atomic: every name, shape and value is checked before a single weight changes.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from '../diffusion/denoiser';
import { err, ok, type Result } from '../result';
import { type TensorToWrite, writeSafetensors } from './safetensors';
import { sizeOf, tfShapeOf, tfToTorch, torchToTf } from './torch-layout';

export { type CheckpointConfig, readCheckpointConfig } from './checkpoint-config';

export interface StateDictTensor {
  shape: number[];
  data: Float32Array;
}

/**
 * Where the official code puts the network's weights, most preferred first: the EMA copy that every
 * evaluation script uses (`ema_model.nn_model.`), the DDP training model (`module.nn_model.`), the online
 * copy of older ema-pytorch versions, a bare DDPM/EDM wrapper, the golden file's `weights.`; else bare names.
 */
export const STATE_DICT_PREFIXES = [
  'ema_model.nn_model.',
  'module.nn_model.',
  'online_model.nn_model.',
  'nn_model.',
  'weights.',
] as const;

export interface StateDictReport {
  /** The prefix the model's tensors were looked up under; null for bare names. */
  prefix: string | null;
  /** Official names the model has and the file lacks. */
  missing: string[];
  /** File keys under the chosen prefix that are no parameter of the model. */
  unexpected: string[];
  misshaped: { key: string; file: number[]; model: number[]; values: number }[];
  nonFinite: { key: string; nan: number; inf: number }[];
  /** File keys outside the chosen prefix (other EMA/online copies, `initted`, `step`, golden extras). */
  ignored: string[];
}

/** The most preferred prefix under which the file holds at least one of the model's parameters. */
function choosePrefix(model: Denoiser, keys: readonly string[]): string | null {
  const names = new Set(model.specs.map((s) => s.name));
  const holds = (p: string) => keys.some((k) => k.startsWith(p) && names.has(k.slice(p.length)));
  const found = STATE_DICT_PREFIXES.find(holds);
  if (found) return found;
  if (keys.some((k) => names.has(k))) return null;
  // Nothing matches: pick the prefix the file uses anyway, so the report lists its tensors as unexpected.
  return STATE_DICT_PREFIXES.find((p) => keys.some((k) => k.startsWith(p))) ?? null;
}

function countNonFinite(data: Float32Array): { nan: number; inf: number } {
  let nan = 0;
  let inf = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (Number.isNaN(v)) nan++;
    else if (v === Infinity || v === -Infinity) inf++;
  }
  return { nan, inf };
}

/** Compares a file's tensors with the model's parameters without changing anything. */
export function checkStateDict(
  model: Denoiser,
  tensors: ReadonlyMap<string, StateDictTensor>,
): StateDictReport {
  const keys = [...tensors.keys()];
  const prefix = choosePrefix(model, keys);
  const p = prefix ?? '';
  const report: StateDictReport = {
    prefix,
    missing: [],
    unexpected: [],
    misshaped: [],
    nonFinite: [],
    ignored: [],
  };
  const names = new Set(model.specs.map((s) => s.name));
  for (const key of keys) {
    if (!key.startsWith(p)) report.ignored.push(key);
    else if (!names.has(key.slice(p.length))) report.unexpected.push(key);
  }
  for (const spec of model.specs) {
    const key = p + spec.name;
    const t = tensors.get(key);
    if (!t) {
      report.missing.push(spec.name);
      continue;
    }
    const sameShape =
      t.shape.length === spec.torchShape.length && t.shape.every((d, i) => d === spec.torchShape[i]);
    if (!sameShape || t.data.length !== sizeOf(spec.torchShape)) {
      report.misshaped.push({ key, file: [...t.shape], model: [...spec.torchShape], values: t.data.length });
      continue;
    }
    const { nan, inf } = countNonFinite(t.data);
    if (nan + inf > 0) report.nonFinite.push({ key, nan, inf });
  }
  return report;
}

const shapeText = (s: readonly number[]) => `[${s.join(', ')}]`;

/** One line per problem, every problem listed; null when the file fits. */
export function describeStateDictProblems(model: Denoiser, r: StateDictReport): string | null {
  const { missing, unexpected, misshaped, nonFinite } = r;
  if (missing.length + unexpected.length + misshaped.length + nonFinite.length === 0) return null;
  const where = r.prefix === null ? 'bare names' : `prefix "${r.prefix}"`;
  const lines = [
    `The checkpoint does not fit this ${model.arch} (${model.specs.length} parameters; file read with ${where}): ` +
      `${missing.length} missing, ${unexpected.length} unexpected, ${misshaped.length} mis-shaped, ` +
      `${nonFinite.length} with NaN/Inf. Nothing was loaded.`,
  ];
  const specByName = new Map(model.specs.map((s) => [s.name, s]));
  if (missing.length > 0) {
    lines.push('Missing (the model has them, the file does not):');
    for (const name of missing) lines.push(`  ${name} ${shapeText(specByName.get(name)?.torchShape ?? [])}`);
  }
  if (unexpected.length > 0) {
    lines.push(`Unexpected (in the file under ${where}, not in the model):`);
    for (const key of unexpected) lines.push(`  ${key}`);
  }
  if (misshaped.length > 0) {
    lines.push('Mis-shaped (PyTorch layout):');
    for (const m of misshaped) {
      const count = m.values !== sizeOf(m.file) ? ` holding ${m.values} values` : '';
      lines.push(`  ${m.key}: file ${shapeText(m.file)}${count}, model ${shapeText(m.model)}`);
    }
  }
  if (nonFinite.length > 0) {
    lines.push('Not finite:');
    for (const n of nonFinite) lines.push(`  ${n.key}: ${n.nan} NaN, ${n.inf} Inf`);
  }
  if (missing.length === model.specs.length) {
    lines.push(
      'None of the model parameters were found: is this a checkpoint of a different architecture or config?',
    );
  }
  return lines.join('\n');
}

/**
 * Loads PyTorch-layout tensors into `model`: all or nothing. On any missing, unexpected, mis-shaped or
 * non-finite tensor the error lists every one of them and the model keeps its previous weights.
 */
export function loadStateDict(
  model: Denoiser,
  tensors: ReadonlyMap<string, StateDictTensor>,
): Result<{ loaded: number; prefix: string | null; ignored: number }> {
  const report = checkStateDict(model, tensors);
  const problems = describeStateDictProblems(model, report);
  if (problems) return err(problems);
  const p = report.prefix ?? '';
  const staged: Array<[tf.Variable, tf.Tensor]> = [];
  try {
    for (const spec of model.specs) {
      const variable = model.params.get(spec.name);
      if (!variable) throw new Error(`the model lists "${spec.name}" but has no such parameter`);
      const data = torchToTf(spec, (tensors.get(p + spec.name) as StateDictTensor).data);
      staged.push([variable, tf.tensor(data, tfShapeOf(spec.torchShape, spec.layout), 'float32')]);
    }
  } catch (e) {
    for (const [, t] of staged) t.dispose();
    return err(`Could not stage the weights (${(e as Error).message}). Nothing was loaded.`);
  }
  // Everything is validated and converted: only now touch the model.
  for (const [variable, t] of staged) {
    variable.assign(t);
    t.dispose();
  }
  return ok({ loaded: staged.length, prefix: report.prefix, ignored: report.ignored.length });
}

/**
 * The model's weights as a safetensors file: official names (no prefix), PyTorch layouts, F32, in
 * state_dict order, with `metadata` (put the architecture config under `config` so the file loads alone).
 * Async because WebGPU must be read with `await data()` (`dataSync` can return zeros there).
 */
export async function exportStateDict(
  model: Denoiser,
  metadata: Record<string, string> = {},
): Promise<Uint8Array> {
  const list: TensorToWrite[] = [];
  for (const spec of model.specs) {
    const variable = model.params.get(spec.name);
    if (!variable)
      throw new Error(`exportStateDict: the model lists "${spec.name}" but has no such parameter`);
    const data = (await variable.data()) as Float32Array;
    list.push({ name: spec.name, shape: [...spec.torchShape], data: tfToTorch(spec, data) });
  }
  return writeSafetensors(list, { format: 'pt', ...metadata });
}
