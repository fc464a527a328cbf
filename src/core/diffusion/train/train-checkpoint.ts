/**
 * Training checkpoints: one safetensors file with everything a run needs to continue exactly where it
 * stopped. The EMA weights sit under the official `ema_model.nn_model.` prefix and the online ones under
 * `online_model.nn_model.`, so the same file imports into the Sampling panel (EMA preferred) and loads
 * into the official PyTorch code's layout; Adam's moments use PyTorch's names (`exp_avg`, `exp_avg_sq`).
 */
import type * as tf from '@tensorflow/tfjs';
import { loadStateDict, type StateDictTensor } from '../../io/checkpoint';
import { readCheckpointConfig } from '../../io/checkpoint-config';
import { createFromConfig } from '../../io/denoiser-from-checkpoint';
import { parseSafetensors, type TensorToWrite, writeSafetensors } from '../../io/safetensors';
import { tfToTorch, torchToTf } from '../../io/torch-layout';
import { err, ok, type Result } from '../../result';
import type { Denoiser, ParamSpec } from '../denoiser';
import type { TrainSettings } from './trainer';

export const EMA_PREFIX = 'ema_model.nn_model.';
export const ONLINE_PREFIX = 'online_model.nn_model.';
export const ADAM_M_PREFIX = 'optimizer.exp_avg.';
export const ADAM_V_PREFIX = 'optimizer.exp_avg_sq.';

/** What a run records beside the weights (JSON in `__metadata__.training`). */
export interface TrainingRecord {
  step: number;
  settings: TrainSettings;
  /** The data set's name and image count. */
  dataset: { name: string; images: number };
  /** (step, loss) pairs, thinned so the file stays small. */
  lossHistory: [number, number][];
  /** Seconds spent training, summed over resumed sessions. */
  wallSeconds: number;
}

export interface TrainingState {
  online: Denoiser;
  ema: Denoiser;
  /** Adam's moments by official name, tfjs layout; undefined for a new run. */
  adam: { step: number; m: Map<string, Float32Array>; v: Map<string, Float32Array> };
  record: TrainingRecord;
  configJson: Record<string, unknown>;
}

async function paramTensors(
  specs: readonly ParamSpec[],
  vars: ReadonlyMap<string, tf.Variable>,
  prefix: string,
): Promise<TensorToWrite[]> {
  const out: TensorToWrite[] = [];
  for (const spec of specs) {
    const v = vars.get(spec.name);
    if (!v) continue; // Adam has no moments for frozen tensors (DiT's pos_embed)
    const data = (await v.data()) as Float32Array;
    out.push({ name: prefix + spec.name, shape: [...spec.torchShape], data: tfToTorch(spec, data) });
  }
  return out;
}

export async function writeTrainingCheckpoint(args: {
  online: Denoiser;
  ema: Denoiser;
  adamM: ReadonlyMap<string, tf.Variable>;
  adamV: ReadonlyMap<string, tf.Variable>;
  configJson: Record<string, unknown>;
  record: TrainingRecord;
}): Promise<Uint8Array> {
  const { online, ema } = args;
  const tensors = [
    ...(await paramTensors(ema.specs, ema.params, EMA_PREFIX)),
    ...(await paramTensors(online.specs, online.params, ONLINE_PREFIX)),
    ...(await paramTensors(online.specs, args.adamM, ADAM_M_PREFIX)),
    ...(await paramTensors(online.specs, args.adamV, ADAM_V_PREFIX)),
  ];
  return writeSafetensors(tensors, {
    format: 'pt',
    config: JSON.stringify(args.configJson),
    training: JSON.stringify(args.record),
  });
}

function withoutPrefix(
  tensors: ReadonlyMap<string, StateDictTensor>,
  prefix: string,
): Map<string, StateDictTensor> {
  const out = new Map<string, StateDictTensor>();
  for (const [k, v] of tensors) if (k.startsWith(prefix)) out.set(k.slice(prefix.length), v);
  return out;
}

function readRecord(text: string | undefined): Result<TrainingRecord> {
  if (text === undefined) {
    return err(
      'This checkpoint has no training record (metadata "training"): it holds weights only, so it can be sampled from but training cannot resume from it.',
    );
  }
  try {
    const r = JSON.parse(text) as TrainingRecord;
    if (!Number.isInteger(r.step) || r.step < 0 || typeof r.settings !== 'object')
      throw new Error('bad fields');
    return ok(r);
  } catch (e) {
    return err(`The checkpoint's training record is not valid (${(e as Error).message}).`);
  }
}

/** Rebuilds online + EMA networks and Adam's state; all or nothing, every problem named. */
export function readTrainingCheckpoint(bytes: Uint8Array, name: string): Result<TrainingState> {
  const parsed = parseSafetensors(bytes);
  if (!parsed.ok) return err(`${name} is not a readable safetensors file: ${parsed.error}`);
  const file = parsed.value;
  const record = readRecord(file.metadata.training);
  if (!record.ok) return record;
  const config = readCheckpointConfig(file);
  if (!config.ok) return err(config.error);
  const made = [createFromConfig(config.value), createFromConfig(config.value)];
  const [a, b] = made;
  if (!a.ok || !b.ok) {
    for (const m of made) if (m.ok) m.value.model.dispose();
    return err(!a.ok ? a.error : (b as { error: string }).error);
  }
  const online = a.value.model;
  const ema = b.value.model;
  const fail = (message: string) => {
    online.dispose();
    ema.dispose();
    return err(message);
  };
  const emaLoad = loadStateDict(ema, withoutPrefix(file.tensors, EMA_PREFIX));
  if (!emaLoad.ok) return fail(`EMA weights: ${emaLoad.error}`);
  const onlineLoad = loadStateDict(online, withoutPrefix(file.tensors, ONLINE_PREFIX));
  if (!onlineLoad.ok) return fail(`Online weights: ${onlineLoad.error}`);
  const m = new Map<string, Float32Array>();
  const v = new Map<string, Float32Array>();
  for (const spec of online.specs) {
    if (!online.params.get(spec.name)?.trainable) continue;
    const tm = file.tensors.get(ADAM_M_PREFIX + spec.name);
    const tv = file.tensors.get(ADAM_V_PREFIX + spec.name);
    const size = spec.torchShape.reduce((x, y) => x * y, 1);
    if (!tm || !tv || tm.data.length !== size || tv.data.length !== size) {
      return fail(
        `The optimizer state for "${spec.name}" is missing or mis-shaped: training cannot resume exactly.`,
      );
    }
    m.set(spec.name, torchToTf(spec, tm.data));
    v.set(spec.name, torchToTf(spec, tv.data));
  }
  return ok({
    online,
    ema,
    adam: { step: record.value.step, m, v },
    record: record.value,
    configJson: a.value.json,
  });
}
