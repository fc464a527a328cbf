/** The worker's registry of loaded data sets: the pixels stay here; the UI gets summaries and pages. */
import { classCounts, type ImageDataset } from '../core/data/dataset';
import { filterByLabel, makeSplits, type Split } from '../core/data/splits';
import type { DatasetSummary } from './api';

interface Entry {
  dataset: ImageDataset;
  splits: Split[];
  summary: DatasetSummary;
}

const loaded = new Map<string, Entry>();

export function register(
  id: string,
  dataset: ImageDataset,
  options: {
    source: DatasetSummary['source'];
    trainCount: number | null;
    problems: string[];
    persisted: boolean;
  },
): DatasetSummary {
  const splits = makeSplits(dataset, options.trainCount);
  const summary: DatasetSummary = {
    id,
    name: dataset.name,
    source: options.source,
    count: dataset.labels.length,
    height: dataset.height,
    width: dataset.width,
    channels: dataset.channels,
    classNames: dataset.classNames,
    classCounts: classCounts(dataset),
    splits: splits.map((s) => ({ name: s.name, count: s.indices.length })),
    problems: options.problems,
    persisted: options.persisted,
    inMemory: true,
  };
  loaded.set(id, { dataset, splits, summary });
  return summary;
}

export function get(id: string): Entry {
  const entry = loaded.get(id);
  if (!entry) throw new Error(`Data set ${id} is not loaded. Pick it again in the Data panel.`);
  return entry;
}

export function summaries(): DatasetSummary[] {
  return [...loaded.values()].map((e) => e.summary);
}

export function forget(id: string): void {
  loaded.delete(id);
}

export function selection(id: string, split: Split['name'], label: number | null): Int32Array {
  const { dataset, splits } = get(id);
  const chosen = splits.find((s) => s.name === split);
  if (!chosen) throw new Error(`Data set ${dataset.name} has no ${split} split.`);
  return filterByLabel(dataset, chosen.indices, label);
}
