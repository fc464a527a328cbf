/**
 * Uploaded data sets kept in IndexedDB (through idb), so they survive a reload. Metadata and pixels sit
 * in separate stores: listing the sets never reads megabytes of pixels.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';
import type { ImageDataset } from '../core/data/dataset';

export interface StoredMeta {
  id: string;
  name: string;
  height: number;
  width: number;
  channels: number;
  count: number;
  classNames: string[];
  problems: string[];
  createdAt: number;
}

interface Schema extends DBSchema {
  meta: { key: string; value: StoredMeta };
  blobs: { key: string; value: { id: string; pixels: Uint8Array; labels: Int32Array } };
}

let dbPromise: Promise<IDBPDatabase<Schema>> | null = null;

function db(): Promise<IDBPDatabase<Schema>> {
  dbPromise ??= openDB<Schema>('ddae-playground-datasets', 1, {
    upgrade(database) {
      database.createObjectStore('meta', { keyPath: 'id' });
      database.createObjectStore('blobs', { keyPath: 'id' });
    },
  });
  return dbPromise;
}

export function indexedDbAvailable(): boolean {
  return typeof indexedDB !== 'undefined';
}

export async function saveDataset(id: string, d: ImageDataset, problems: string[]): Promise<void> {
  const database = await db();
  const tx = database.transaction(['meta', 'blobs'], 'readwrite');
  await Promise.all([
    tx.objectStore('blobs').put({ id, pixels: d.pixels, labels: d.labels }),
    tx.objectStore('meta').put({
      id,
      name: d.name,
      height: d.height,
      width: d.width,
      channels: d.channels,
      count: d.labels.length,
      classNames: d.classNames,
      problems,
      createdAt: Date.now(),
    }),
    tx.done,
  ]);
}

export async function listStored(): Promise<StoredMeta[]> {
  const all = await (await db()).getAll('meta');
  return all.sort((a, b) => a.createdAt - b.createdAt);
}

export async function loadStored(id: string): Promise<{ dataset: ImageDataset; meta: StoredMeta } | null> {
  const database = await db();
  const [meta, blob] = await Promise.all([database.get('meta', id), database.get('blobs', id)]);
  if (!meta || !blob) return null;
  const { name, height, width, channels, classNames } = meta;
  return {
    meta,
    dataset: { name, height, width, channels, classNames, pixels: blob.pixels, labels: blob.labels },
  };
}

export async function deleteStored(id: string): Promise<void> {
  const database = await db();
  const tx = database.transaction(['meta', 'blobs'], 'readwrite');
  await Promise.all([tx.objectStore('meta').delete(id), tx.objectStore('blobs').delete(id), tx.done]);
}
