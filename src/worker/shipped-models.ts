/**
 * Models that ship with the app under `public/models/<dir>/` (model.safetensors with its config in the
 * metadata, and model.json, the model card `npm run evaluate -- --ship` writes). Listed when their card
 * is there, fetched on first use; the app works without them.
 */
import type { ModelSummary, RecordedQuality, ShippedCard } from './api';

/**
 * Folders under public/models that hold a diffusion model, if they have been trained and shipped. The small
 * UNet draws the best samples, so it comes first (the default); the medium one gives the best probe.
 */
export const SHIPPED_DIRS = ['mnist-unet-small', 'mnist-unet-medium', 'mnist-dit-small'];

export const SHIPPED_PREFIX = 'shipped:';

export const modelUrl = (dir: string, file: string) =>
  new URL(`${import.meta.env.BASE_URL}models/${dir}/${file}`, self.location.origin).href;

let listing: Promise<ModelSummary[]> | null = null;

const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);

/** The sample-quality figures of a model card (`npm run evaluate -- --ship`), or null when it has none. */
export function recordedQuality(card: Record<string, unknown>): RecordedQuality | null {
  const q = card.sampleQuality as Record<string, unknown> | undefined;
  const s = q?.samples as Record<string, unknown> | undefined;
  if (!q || !s) return null;
  const fid = num(s.classifierFid);
  const confident = num(s.confidentFraction);
  const count = num(s.count);
  const fractions = Array.isArray(s.classFractions) ? s.classFractions.map(Number) : [];
  if (fid === null || confident === null || count === null || fractions.some((f) => !Number.isFinite(f)))
    return null;
  const f = q.trainVsTestFloor as Record<string, unknown> | undefined;
  const floorFid = num(f?.classifierFid);
  const floorConfident = num(f?.confidentFraction);
  return {
    sampler: typeof q.sampler === 'string' ? q.sampler : 'unknown sampler',
    samples: { count, classifierFid: fid, confidentFraction: confident, classFractions: fractions },
    floor:
      floorFid !== null && floorConfident !== null
        ? { classifierFid: floorFid, confidentFraction: floorConfident }
        : null,
    evaluatedBy: typeof card.evaluatedBy === 'string' ? card.evaluatedBy : null,
  };
}

/**
 * How a shipped model was trained, from its card; fields the card lacks are null. `samplesUrl` turns the
 * card's sample-grid file name into a URL (only a plain file name in the model's own folder is taken).
 */
export function shippedCard(
  card: Record<string, unknown>,
  samplesUrl: (file: string) => string,
): ShippedCard {
  const t = card.training as Record<string, unknown> | undefined;
  const steps = num(t?.steps);
  const batchSize = num(t?.batchSize);
  const wallSeconds = num(t?.wallSeconds);
  const finalLoss = num(t?.finalLoss);
  const d = card.data as Record<string, unknown> | undefined;
  const images = num(d?.images);
  const file = card.samplesImage;
  return {
    status: typeof card.status === 'string' ? card.status : null,
    data:
      typeof d?.name === 'string'
        ? `${d.name}${images !== null ? `, ${images.toLocaleString('en-US')} images` : ''}`
        : null,
    training:
      steps !== null && batchSize !== null && wallSeconds !== null && finalLoss !== null
        ? { steps, batchSize, wallSeconds, finalLoss }
        : null,
    samplesUrl: typeof file === 'string' && /^[\w.-]+\.png$/.test(file) ? samplesUrl(file) : null,
  };
}

async function cardSummary(dir: string): Promise<ModelSummary | null> {
  try {
    const response = await fetch(modelUrl(dir, 'model.json'));
    if (!response.ok) return null;
    // A missing file may come back as the app's index.html (SPA fallback): only a real card counts.
    const card = (await response.json()) as Record<string, unknown>;
    const config = (card.config ?? {}) as Record<string, unknown>;
    const shape = config.image_shape;
    if ((card.arch !== 'unet' && card.arch !== 'dit') || !Array.isArray(shape) || shape.length !== 3)
      return null;
    return {
      id: `${SHIPPED_PREFIX}${dir}`,
      name: typeof card.name === 'string' ? `${card.name} (shipped)` : `${dir} (shipped)`,
      arch: card.arch,
      imageShape: shape.map(Number) as [number, number, number],
      paramCount: Number(card.parameters) || 0,
      config,
      prefix: null,
      persisted: true,
      recordedQuality: recordedQuality(card),
      card: shippedCard(card, (file) => modelUrl(dir, file)),
    };
  } catch {
    return null;
  }
}

/** Whether this context can fetch the app's own files (a worker or page; not Node). */
export const canFetchShipped = (): boolean =>
  typeof self !== 'undefined' && typeof fetch !== 'undefined' && !!self.location;

/** The shipped models that are present (looked up once per session). */
export function listShipped(): Promise<ModelSummary[]> {
  if (!canFetchShipped()) return Promise.resolve([]);
  listing ??= Promise.all(SHIPPED_DIRS.map(cardSummary)).then((all) =>
    all.filter((s): s is ModelSummary => s !== null),
  );
  return listing;
}

/** The checkpoint bytes of a shipped model. */
export async function fetchShipped(id: string): Promise<{ name: string; bytes: Uint8Array }> {
  const dir = id.slice(SHIPPED_PREFIX.length);
  if (!SHIPPED_DIRS.includes(dir)) throw new Error(`No shipped model ${dir}.`);
  const response = await fetch(modelUrl(dir, 'model.safetensors'));
  if (!response.ok)
    throw new Error(`The shipped model ${dir} could not be fetched (HTTP ${response.status}).`);
  return { name: dir, bytes: new Uint8Array(await response.arrayBuffer()) };
}
