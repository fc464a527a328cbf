/**
 * The worker's models: checkpoints imported by the user (kept in IndexedDB as their original bytes, so
 * they survive a reload) turned into live Denoisers on demand.
 */
import type { Denoiser } from '../core/diffusion/denoiser';
import { denoiserFromCheckpoint } from '../core/io/denoiser-from-checkpoint';
import type { ModelSummary } from './api';
import { createBlobStore, indexedDbAvailable } from './blob-store';
import { fetchShipped, listShipped, SHIPPED_PREFIX } from './shipped-models';

interface StoredModel {
  id: string;
  name: string;
  createdAt: number;
  summary: ModelSummary;
}

interface Payload {
  checkpoint: Uint8Array;
  sidecar: string | null;
}

const store = createBlobStore<StoredModel, Payload>('ddae-playground-models');
const live = new Map<string, { model: Denoiser; summary: ModelSummary }>();

const stem = (path: string) => (path.split('/').pop() ?? path).replace(/\.[^.]+$/, '');

/** Builds a Denoiser from checkpoint bytes; throws with a message that says what is wrong and what to do. */
function buildModel(id: string, name: string, payload: Payload): { model: Denoiser; summary: ModelSummary } {
  const loaded = denoiserFromCheckpoint(payload.checkpoint, name, payload.sidecar ?? undefined);
  if (!loaded.ok) throw new Error(loaded.error);
  const { model, json, prefix } = loaded.value;
  const paramCount = model.specs.reduce((n, s) => n + s.torchShape.reduce((a, b) => a * b, 1), 0);
  const [c, h, w] = model.imageShape;
  const summary: ModelSummary = {
    id,
    name,
    arch: model.arch,
    imageShape: [c, h, w],
    paramCount,
    config: json,
    prefix,
    persisted: false,
  };
  return { model, summary };
}

export async function importCheckpoint(files: { path: string; bytes: Uint8Array }[]): Promise<ModelSummary> {
  const weights = files.filter((f) => f.path.toLowerCase().endsWith('.safetensors'));
  const sidecars = files.filter((f) => f.path.toLowerCase().endsWith('.json'));
  const others = files.filter((f) => !weights.includes(f) && !sidecars.includes(f));
  if (others.length > 0) {
    throw new Error(
      `${others.map((f) => f.path).join(', ')}: not a checkpoint. Choose one .safetensors file and, if its metadata has no config, the config .json.`,
    );
  }
  if (weights.length !== 1) {
    throw new Error(
      `Choose exactly one .safetensors checkpoint (got ${weights.length}), plus an optional config .json.`,
    );
  }
  if (sidecars.length > 1) throw new Error('Choose at most one config .json beside the checkpoint.');
  const payload: Payload = {
    checkpoint: weights[0].bytes,
    sidecar: sidecars.length ? new TextDecoder().decode(sidecars[0].bytes) : null,
  };
  const id = `model-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
  const built = buildModel(id, stem(weights[0].path), payload);
  if (indexedDbAvailable()) {
    built.summary.persisted = await store
      .save(
        {
          id,
          name: built.summary.name,
          createdAt: Date.now(),
          summary: { ...built.summary, persisted: true },
        },
        payload,
      )
      .then(
        () => true,
        () => false,
      );
  }
  live.set(id, built);
  return built.summary;
}

export async function listModels(): Promise<ModelSummary[]> {
  const shipped = await listShipped();
  const inMemory = [...live.values()].map((m) => m.summary).filter((m) => !m.id.startsWith(SHIPPED_PREFIX));
  if (!indexedDbAvailable()) return [...shipped, ...inMemory];
  const stored = await store.list().catch(() => []);
  const known = new Set(inMemory.map((m) => m.id));
  return [...shipped, ...inMemory, ...stored.filter((s) => !known.has(s.id)).map((s) => s.summary)];
}

/** The live model, rebuilt from IndexedDB after a reload. */
export async function getModel(id: string): Promise<Denoiser> {
  const existing = live.get(id);
  if (existing) return existing.model;
  if (id.startsWith(SHIPPED_PREFIX)) {
    const { name, bytes } = await fetchShipped(id);
    const built = buildModel(id, name, { checkpoint: bytes, sidecar: null });
    live.set(id, built);
    return built.model;
  }
  const stored = indexedDbAvailable() ? await store.load(id) : null;
  if (!stored) throw new Error('This model is no longer stored in the browser. Import its checkpoint again.');
  const built = buildModel(id, stored.meta.name, stored.payload);
  built.summary.persisted = true;
  live.set(id, built);
  return built.model;
}

export async function deleteModel(id: string): Promise<void> {
  if (id.startsWith(SHIPPED_PREFIX))
    throw new Error('A shipped model is part of the app and cannot be deleted.');
  live.get(id)?.model.dispose();
  live.delete(id);
  if (indexedDbAvailable()) await store.remove(id);
}
