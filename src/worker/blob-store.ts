/**
 * A small IndexedDB store (through idb) for things that must survive a reload: uploaded data sets,
 * imported checkpoints. Metadata and payloads sit in separate object stores so listing never reads
 * megabytes of payload.
 */
import { type DBSchema, type IDBPDatabase, openDB } from 'idb';

export interface BlobStore<Meta extends { id: string; createdAt: number }, Payload> {
  save(meta: Meta, payload: Payload): Promise<void>;
  list(): Promise<Meta[]>;
  load(id: string): Promise<{ meta: Meta; payload: Payload } | null>;
  remove(id: string): Promise<void>;
}

export function indexedDbAvailable(): boolean {
  return typeof indexedDB !== 'undefined';
}

export function createBlobStore<Meta extends { id: string; createdAt: number }, Payload>(
  databaseName: string,
): BlobStore<Meta, Payload> {
  interface Schema extends DBSchema {
    meta: { key: string; value: Meta };
    payload: { key: string; value: { id: string; payload: Payload } };
  }
  let dbPromise: Promise<IDBPDatabase<Schema>> | null = null;
  const db = () => {
    dbPromise ??= openDB<Schema>(databaseName, 1, {
      upgrade(database) {
        database.createObjectStore('meta', { keyPath: 'id' });
        database.createObjectStore('payload', { keyPath: 'id' });
      },
    });
    return dbPromise;
  };
  return {
    async save(meta, payload) {
      const tx = (await db()).transaction(['meta', 'payload'], 'readwrite');
      await Promise.all([
        tx.objectStore('payload').put({ id: meta.id, payload }),
        tx.objectStore('meta').put(meta),
        tx.done,
      ]);
    },
    async list() {
      return (await (await db()).getAll('meta')).sort((a, b) => a.createdAt - b.createdAt);
    },
    async load(id) {
      const database = await db();
      const [meta, stored] = await Promise.all([database.get('meta', id), database.get('payload', id)]);
      return meta && stored ? { meta, payload: stored.payload } : null;
    },
    async remove(id) {
      const tx = (await db()).transaction(['meta', 'payload'], 'readwrite');
      await Promise.all([tx.objectStore('meta').delete(id), tx.objectStore('payload').delete(id), tx.done]);
    },
  };
}
