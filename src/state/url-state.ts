/**
 * One declared schema for everything shareable in the URL hash (`#/data?split=test&page=3`), used to
 * read and to write it. Values are validated when read, so a hand-edited URL can never break the app:
 * an unknown panel or a bad number falls back to its default.
 */
import { TRAIN_PRESET_IDS } from '../core/diffusion/train/presets';
export const PANELS = ['data', 'sampling', 'training', 'probing', 'retrieval'] as const;
export type PanelId = (typeof PANELS)[number];

export const SPLITS = ['all', 'train', 'test'] as const;

// Method syntax keeps Field<T> assignable to Field<unknown> (parameters are checked bivariantly).
interface Field<T> {
  parse(raw: string): T | undefined;
  format(v: T): string;
  fallback: T;
}

const int = (min: number, max: number, fallback: number): Field<number> => ({
  parse: (raw) => {
    const n = Number(raw);
    return Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  },
  format: String,
  fallback,
});

const oneOf = <T extends string>(values: readonly T[], fallback: T): Field<T> => ({
  parse: (raw) => ((values as readonly string[]).includes(raw) ? (raw as T) : undefined),
  format: (v) => v,
  fallback,
});

const optionalInt = (min: number, max: number): Field<number | null> => ({
  parse: (raw) => {
    const n = Number(raw);
    return raw !== '' && Number.isInteger(n) && n >= min && n <= max ? n : undefined;
  },
  format: (v) => (v === null ? '' : String(v)),
  fallback: null,
});

const text = (maxLength: number): Field<string | null> => ({
  parse: (raw) => (raw.length > 0 && raw.length <= maxLength ? raw : undefined),
  format: (v) => v ?? '',
  fallback: null,
});

const decimal = (min: number, max: number, fallback: number): Field<number> => ({
  parse: (raw) => {
    const n = Number(raw);
    return raw !== '' && Number.isFinite(n) && n >= min && n <= max ? n : undefined;
  },
  format: String,
  fallback,
});

export const SAMPLERS = ['ddim', 'ddpm'] as const;
export const TRAIN_ARCHS = ['unet', 'dit'] as const;
export const LR_SCHEDULES = ['constant', 'cosine'] as const;
export const RETRIEVAL_SOURCES = ['synthetic', 'upload'] as const;

/** The shareable settings; each later panel adds its own keys here. */
export const URL_SCHEMA = {
  ds: text(80),
  split: oneOf(SPLITS, 'all'),
  class: optionalInt(0, 9999),
  page: int(0, 1_000_000, 0),
  per: oneOf(['50', '100', '200'] as const, '100'),
  // Sampling panel
  model: text(80),
  sampler: oneOf(SAMPLERS, 'ddim'),
  steps: int(1, 1000, 50),
  eta: decimal(0, 1, 0),
  seed: int(0, 2 ** 31 - 1, 0),
  batch: int(1, 64, 16),
  /** Samples to draw for the Sampling panel's sample-quality score. */
  qn: int(2, 1000, 100),
  // Training panel (its own keys: `steps` and `batch` belong to Sampling)
  tds: text(80),
  arch: oneOf(TRAIN_ARCHS, 'unet'),
  preset: oneOf(TRAIN_PRESET_IDS, 'tiny'),
  tbatch: int(1, 512, 16),
  lr: decimal(1e-7, 1, 1e-3),
  tdrop: decimal(0, 0.9, 0),
  /** Learning rate after warm-up: constant (as the official code) or a cosine to 0 at the last step. */
  tsched: oneOf(LR_SCHEDULES, 'constant'),
  tsteps: int(1, 10_000_000, 500),
  /** Preview every this many steps (0: never), with this many images and DDIM steps. */
  pvery: int(0, 1_000_000, 50),
  pvn: int(1, 64, 16),
  pvs: int(1, 100, 10),
  /** Save a checkpoint every this many steps (0: only on demand and at the end). */
  tsave: int(0, 1_000_000, 100),
  // Probing panel (the model is the shared `model` key)
  /** Data set id ('mnist' or an upload's). */
  pds: text(80),
  /** Timesteps, comma separated (the panel's default when absent). */
  pt: text(200),
  /** Taps, comma separated (the model's default taps when absent). */
  ptaps: text(400),
  ptrain: int(10, 100_000, 2000),
  ptest: int(10, 100_000, 1000),
  pep: int(1, 500, 30),
  plr: decimal(1e-6, 1, 1e-2),
  pknn: oneOf(['on', 'off'] as const, 'on'),
  // Retrieval panel
  rgal: oneOf(RETRIEVAL_SOURCES, 'synthetic'),
  rq: oneOf(RETRIEVAL_SOURCES, 'synthetic'),
  /** Test identities of the synthetic split to use. */
  rids: int(1, 300, 30),
  /** The distance rankings are sorted by, and whether it is re-ranked. */
  rdist: oneOf(['global', 'local', 'unaligned', 'total'] as const, 'total'),
  rrr: oneOf(['on', 'off'] as const, 'off'),
} satisfies Record<string, Field<unknown>>;

export type UrlParams = { [K in keyof typeof URL_SCHEMA]: (typeof URL_SCHEMA)[K]['fallback'] };

export interface UrlState {
  panel: PanelId;
  params: UrlParams;
}

export function defaultParams(): UrlParams {
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(URL_SCHEMA)) out[key] = field.fallback;
  return out as UrlParams;
}

export function parseHash(hash: string): UrlState {
  const body = hash.replace(/^#\/?/, '');
  const [path, query = ''] = body.split('?', 2);
  const panel = (PANELS as readonly string[]).includes(path) ? (path as PanelId) : 'data';
  const params = defaultParams() as Record<string, unknown>;
  const search = new URLSearchParams(query);
  for (const [key, field] of Object.entries(URL_SCHEMA) as [string, Field<unknown>][]) {
    const raw = search.get(key);
    if (raw === null) continue;
    const value = field.parse(raw);
    if (value !== undefined) params[key] = value;
  }
  return { panel, params: params as UrlParams };
}

/** Writes only the values that differ from their defaults, keeping shared URLs short. */
export function formatHash({ panel, params }: UrlState): string {
  const search = new URLSearchParams();
  for (const [key, field] of Object.entries(URL_SCHEMA) as [string, Field<unknown>][]) {
    const value = (params as Record<string, unknown>)[key];
    if (value !== field.fallback) search.set(key, field.format(value));
  }
  const query = search.toString();
  return `#/${panel}${query ? `?${query}` : ''}`;
}
