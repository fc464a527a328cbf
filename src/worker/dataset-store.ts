/** Uploaded data sets kept in IndexedDB, so they survive a reload. */
import type { ImageDataset } from '../core/data/dataset';
import { createBlobStore } from './blob-store';

export interface StoredMeta {
  id: string;
  name: string;
  height: number;
  width: number;
  channels: number;
  count: number;
  classNames: string[];
  problems: string[];
  /** Images before this index are the upload's own train split (idx train/t10k, CIFAR-10 test_batch);
   * null or absent (records stored before it was kept) when the upload had none. */
  trainCount?: number | null;
  createdAt: number;
}

const store = createBlobStore<StoredMeta, { pixels: Uint8Array; labels: Int32Array }>(
  'ddae-playground-datasets-v2',
);

export async function saveDataset(
  id: string,
  d: ImageDataset,
  problems: string[],
  trainCount: number | null,
): Promise<void> {
  const { name, height, width, channels, classNames } = d;
  const meta = {
    id,
    name,
    height,
    width,
    channels,
    classNames,
    problems,
    trainCount,
    count: d.labels.length,
    createdAt: Date.now(),
  };
  await store.save(meta, { pixels: d.pixels, labels: d.labels });
}

export const listStored = (): Promise<StoredMeta[]> => store.list();

export async function loadStored(id: string): Promise<{ dataset: ImageDataset; meta: StoredMeta } | null> {
  const found = await store.load(id);
  if (!found) return null;
  const { meta, payload } = found;
  const { name, height, width, channels, classNames } = meta;
  return { meta, dataset: { name, height, width, channels, classNames, ...payload } };
}

export const deleteStored = (id: string): Promise<void> => store.remove(id);
