/**
 * What a probe run needs before any network runs: images of the model's size, labels, at least two
 * classes, valid timesteps and taps; then a seeded choice of the images to use. Every refusal says why and
 * what to do instead.
 */
import type { ImageDataset } from '../data/dataset';
import { uniformValues } from '../diffusion/rng';
import { DDAE_T } from '../diffusion/schedule';
import { err, ok, type Result } from '../result';
import type { ProbeGridSettings } from './types';

export interface ProbeData {
  dataset: ImageDataset;
  train: Int32Array;
  test: Int32Array;
}

export interface CheckedProbeInput {
  /** The chosen train and test images (dataset indices, ascending). */
  train: Int32Array;
  test: Int32Array;
  numClasses: number;
  classNames: string[];
  timesteps: number[];
  taps: string[];
  /** Notes that do not stop the run (unlabelled images skipped, fewer images than asked). */
  notes: string[];
}

const shapeText = (c: number, h: number, w: number) => `${c}×${h}×${w}`;

/** A seeded subset of `count` of `indices` (all of them when count ≥ length), in ascending order. */
export function chooseSubset(indices: Int32Array, count: number, seed: number, purpose: number): Int32Array {
  if (count >= indices.length) return indices.slice();
  const keys = uniformValues(seed, 0, indices.length, purpose);
  const order = Array.from(indices.keys()).sort((a, b) => keys[a] - keys[b]);
  return Int32Array.from(order.slice(0, count), (k) => indices[k]).sort();
}

export function parseTimesteps(text: string): Result<number[]> {
  const parts = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.length === 0) return err('Give at least one timestep, e.g. 1,11,21.');
  const out: number[] = [];
  for (const p of parts) {
    const t = Number(p);
    if (!Number.isInteger(t) || t < 0 || t > DDAE_T) {
      return err(`Timestep "${p}" is not an integer in [0, ${DDAE_T}].`);
    }
    if (!out.includes(t)) out.push(t);
  }
  return ok(out.sort((a, b) => a - b));
}

export function checkProbeInput(
  /** `taps`: every tap the model has, in forward order; `defaultTaps`: those probed when none are chosen. */
  model: {
    imageShape: readonly [number, number, number];
    taps: readonly string[];
    defaultTaps?: readonly string[];
  },
  data: ProbeData,
  settings: Pick<ProbeGridSettings, 'timesteps' | 'taps' | 'trainCount' | 'testCount' | 'seed'>,
): Result<CheckedProbeInput> {
  const { dataset: d } = data;
  const [c, h, w] = model.imageShape;
  if (d.channels !== c || d.height !== h || d.width !== w) {
    return err(
      `The model takes ${shapeText(c, h, w)} images (C×H×W) but ${d.name} has ${shapeText(d.channels, d.height, d.width)}. ` +
        `Probing runs the network on the images as they are, so it needs the model's own size: choose a data set of ` +
        `${shapeText(c, h, w)} images${d.channels === c ? ` (or resize yours to ${h}×${w} before uploading)` : ''}, or a model trained on this one.`,
    );
  }
  const notes: string[] = [];
  const labelled = (indices: Int32Array) => indices.filter((i) => d.labels[i] >= 0);
  const train = labelled(data.train);
  const test = labelled(data.test);
  if (train.length === 0 && test.length === 0) {
    return err(
      `${d.name} has no labels: a probe learns to predict each image's class. Upload it with labels (class sub-folders, ` +
        '"label_name.png" prefixes, an idx labels file or CIFAR-10 batches).',
    );
  }
  const dropped = data.train.length + data.test.length - train.length - test.length;
  if (dropped > 0) notes.push(`${dropped} unlabelled images were left out.`);
  if (train.length === 0) return err(`${d.name} has no labelled images in its train split.`);
  if (test.length === 0) {
    return err(`${d.name} has no labelled test images: the probe is scored on a held-out split.`);
  }
  const trainClasses = new Set(Array.from(train, (i) => d.labels[i]));
  if (trainClasses.size < 2) {
    const only = [...trainClasses][0];
    return err(
      `${d.name} has a single class (${d.classNames[only] ?? only}) in its train split: a classifier needs at least two.`,
    );
  }
  let numClasses = d.classNames.length;
  for (const i of train) numClasses = Math.max(numClasses, d.labels[i] + 1);
  for (const i of test) numClasses = Math.max(numClasses, d.labels[i] + 1);
  const classNames = Array.from({ length: numClasses }, (_, k) => d.classNames[k] ?? String(k));

  if (settings.timesteps.length === 0) return err('Choose at least one timestep.');
  for (const t of settings.timesteps) {
    if (!Number.isInteger(t) || t < 0 || t > DDAE_T) {
      return err(`Timestep ${t} is not an integer in [0, ${DDAE_T}].`);
    }
  }
  const timesteps = [...new Set(settings.timesteps)].sort((a, b) => a - b);
  const taps = settings.taps ?? [...(model.defaultTaps ?? model.taps)];
  if (taps.length === 0) return err('Choose at least one tap.');
  const unknown = taps.filter((t) => !model.taps.includes(t));
  if (unknown.length > 0) {
    return err(`The model has no tap ${unknown.join(', ')}; its taps are ${model.taps.join(', ')}.`);
  }
  const ordered = model.taps.filter((t) => taps.includes(t));

  for (const [name, n] of [
    ['trainCount', settings.trainCount],
    ['testCount', settings.testCount],
  ] as const) {
    if (!Number.isInteger(n) || n < 1) return err(`${name} must be a positive integer; got ${n}.`);
  }
  const trainChosen = chooseSubset(train, settings.trainCount, settings.seed, 11);
  const testChosen = chooseSubset(test, settings.testCount, settings.seed, 12);
  if (trainChosen.length < settings.trainCount || testChosen.length < settings.testCount) {
    notes.push(
      `Using ${trainChosen.length} train and ${testChosen.length} test images (all that ${d.name} has).`,
    );
  }
  return ok({
    train: trainChosen,
    test: testChosen,
    numClasses,
    classNames,
    timesteps,
    taps: ordered,
    notes,
  });
}
