/**
 * Reads a probe grid back from JSON (`npm run probe --out`, the panel's JSON export, another browser's run),
 * checking every field the views read, so a damaged or foreign file is refused with a reason instead of
 * breaking the heatmap later.
 */
import { err, ok, type Result } from '../result';
import {
  type BaselineResult,
  type CellStatus,
  DEFAULT_GRID,
  type EpochStats,
  type ProbeCell,
  type ProbeGridResult,
  type ProbeGridSettings,
} from './types';

type Json = Record<string, unknown>;

class Invalid extends Error {}

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

function object(v: unknown, what: string): Json {
  if (!isObject(v)) throw new Invalid(`${what} is missing or not an object`);
  return v;
}

function finite(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new Invalid(`${what} is not a number`);
  return v;
}

function fraction(v: unknown, what: string): number {
  const x = finite(v, what);
  if (x < 0 || x > 1) throw new Invalid(`${what} (${x}) is not an accuracy in [0, 1]`);
  return x;
}

const fractionOrNull = (v: unknown, what: string): number | null =>
  v === null || v === undefined ? null : fraction(v, what);

function string(v: unknown, what: string): string {
  if (typeof v !== 'string') throw new Invalid(`${what} is not a string`);
  return v;
}

function array(v: unknown, what: string): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(`${what} is missing or not a list`);
  return v;
}

function curve(v: unknown, what: string): EpochStats[] {
  return array(v ?? [], what).map((e, i) => {
    const o = object(e, `${what}[${i}]`);
    return {
      epoch: finite(o.epoch, `${what}[${i}].epoch`),
      lr: finite(o.lr, `${what}[${i}].lr`),
      loss: finite(o.loss, `${what}[${i}].loss`),
      trainAccuracy: fraction(o.trainAccuracy, `${what}[${i}].trainAccuracy`),
      testAccuracy: fraction(o.testAccuracy, `${what}[${i}].testAccuracy`),
    };
  });
}

function confusion(v: unknown, classes: number, what: string): number[][] {
  const rows = array(v, what);
  if (rows.length !== classes) throw new Invalid(`${what} has ${rows.length} rows for ${classes} classes`);
  return rows.map((row, i) => {
    const cells = array(row, `${what}[${i}]`);
    if (cells.length !== classes)
      throw new Invalid(`${what}[${i}] has ${cells.length} columns for ${classes} classes`);
    return cells.map((c, j) => {
      const n = finite(c, `${what}[${i}][${j}]`);
      if (n < 0 || !Number.isInteger(n)) throw new Invalid(`${what}[${i}][${j}] (${n}) is not a count`);
      return n;
    });
  });
}

const CELL_STATUSES: readonly CellStatus[] = ['pending', 'done', 'failed', 'cancelled'];

function cell(v: unknown, t: number, tap: string, classes: number, what: string): ProbeCell {
  const o = object(v, what);
  if (o.t !== t || o.tap !== tap) {
    throw new Invalid(
      `${what} is (${String(o.tap)}, t = ${String(o.t)}) where the grid's order puts (${tap}, t = ${t})`,
    );
  }
  const status = o.status as CellStatus;
  if (!CELL_STATUSES.includes(status)) throw new Invalid(`${what}.status "${String(o.status)}" is unknown`);
  const accuracy = fractionOrNull(o.accuracy, `${what}.accuracy`);
  if (status === 'done' && accuracy === null) throw new Invalid(`${what} is done but has no accuracy`);
  return {
    t,
    tap,
    status,
    dim: finite(o.dim ?? 0, `${what}.dim`),
    accuracy,
    trainAccuracy: fractionOrNull(o.trainAccuracy, `${what}.trainAccuracy`),
    knnAccuracy: fractionOrNull(o.knnAccuracy, `${what}.knnAccuracy`),
    curve: curve(o.curve, `${what}.curve`),
    confusion:
      o.confusion === null || o.confusion === undefined
        ? null
        : confusion(o.confusion, classes, `${what}.confusion`),
    error: typeof o.error === 'string' ? o.error : null,
    ms: finite(o.ms ?? 0, `${what}.ms`),
  };
}

function baseline(v: unknown, classes: number): BaselineResult | null {
  if (v === null || v === undefined) return null;
  const o = object(v, 'baseline');
  return {
    dim: finite(o.dim, 'baseline.dim'),
    accuracy: fraction(o.accuracy, 'baseline.accuracy'),
    trainAccuracy: fraction(o.trainAccuracy, 'baseline.trainAccuracy'),
    knnAccuracy: fractionOrNull(o.knnAccuracy, 'baseline.knnAccuracy'),
    curve: curve(o.curve, 'baseline.curve'),
    confusion: confusion(o.confusion, classes, 'baseline.confusion'),
  };
}

function grid(j: unknown): ProbeGridResult {
  const root = object(j, 'the file');
  const model = object(root.model, 'model');
  const arch = model.arch;
  if (arch !== 'unet' && arch !== 'dit')
    throw new Invalid(`model.arch "${String(arch)}" is neither unet nor dit`);
  const shape = array(model.imageShape, 'model.imageShape').map((x, i) =>
    finite(x, `model.imageShape[${i}]`),
  );
  if (shape.length !== 3) throw new Invalid('model.imageShape is not [channels, height, width]');
  const dataset = object(root.dataset, 'dataset');
  const classNames = array(dataset.classNames, 'dataset.classNames').map((c, i) =>
    string(c, `dataset.classNames[${i}]`),
  );
  if (classNames.length < 2) throw new Invalid('dataset.classNames has fewer than 2 classes');
  const taps = array(root.taps, 'taps').map((t, i) => string(t, `taps[${i}]`));
  const timesteps = array(root.timesteps, 'timesteps').map((t, i) => finite(t, `timesteps[${i}]`));
  if (taps.length === 0 || timesteps.length === 0) throw new Invalid('the grid has no taps or no timesteps');
  const cells = array(root.cells, 'cells');
  if (cells.length !== taps.length * timesteps.length) {
    throw new Invalid(
      `cells has ${cells.length} entries for ${taps.length} taps × ${timesteps.length} timesteps`,
    );
  }
  const status = root.status;
  if (status !== 'complete' && status !== 'cancelled')
    throw new Invalid(`status "${String(status)}" is unknown`);
  // Settings are shown, not recomputed: missing ones fall back to the defaults they were run with.
  const settings = {
    ...DEFAULT_GRID,
    ...(isObject(root.settings) ? root.settings : {}),
  } as ProbeGridSettings;
  const optional = (v: unknown, what: string) => (v === undefined ? 0 : finite(v, what));
  return {
    model: {
      name: string(model.name, 'model.name'),
      arch,
      imageShape: shape as [number, number, number],
    },
    dataset: {
      name: string(dataset.name, 'dataset.name'),
      classNames,
      trainCount: finite(dataset.trainCount, 'dataset.trainCount'),
      testCount: finite(dataset.testCount, 'dataset.testCount'),
    },
    settings,
    taps,
    timesteps,
    cells: cells.map((c, i) => {
      const t = timesteps[Math.floor(i / taps.length)];
      const tap = taps[i % taps.length];
      return cell(c, t, tap, classNames.length, `cells[${i}]`);
    }),
    baseline: baseline(root.baseline, classNames.length),
    status,
    featureImages: optional(root.featureImages, 'featureImages'),
    featureMs: optional(root.featureMs, 'featureMs'),
    probeMs: optional(root.probeMs, 'probeMs'),
    totalMs: optional(root.totalMs, 'totalMs'),
    backend: typeof root.backend === 'string' ? root.backend : '',
    createdAt: optional(root.createdAt, 'createdAt'),
  };
}

/** The probe grid in `text` (a JSON file named `name`), or why it is not one. */
export function parseProbeGridJson(text: string, name: string): Result<ProbeGridResult> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    return err(
      `${name} is not JSON (${(e as Error).message}). Choose a probe grid exported as JSON or written by npm run probe.`,
    );
  }
  try {
    return ok(grid(json));
  } catch (e) {
    if (e instanceof Invalid) return err(`${name} is not a probe grid: ${e.message}.`);
    throw e;
  }
}
