/**
 * The Retrieval panel's worker side: the shipped AlignedReID model (loaded on first use), a gallery and
 * queries (the synthetic test split or uploaded PNG/JPEG files, fitted to the model's input), their
 * features, the q×g distances of every mode, rankings, metrics and the alignment of one pair.
 * Framework-free apart from tfjs, so Node tests run it as the worker does.
 */
import { decodeImage } from '../core/data/image-decode';
import { throwIfCancelled, yieldToEventLoop } from '../core/job';
import { embedImages, type ReidFeatures } from '../core/reid/embed';
import { evaluateRanking, isJunk, rankRow } from '../core/reid/evaluate';
import type { DistanceMatrix } from '../core/reid/features';
import { fitImage } from '../core/reid/fit-image';
import { globalDistance } from '../core/reid/global-distance';
import { localDistancePathName } from '../core/reid/local-distance-path';
import { computeLocalDistances } from '../core/reid/local-distance-tiled';
import type { ReidModel } from '../core/reid/model';
import { loadReidModel } from '../core/reid/model-io';
import { alignPair } from '../core/reid/pair-alignment';
import { RERANK_DEFAULTS, reRank } from '../core/reid/re-ranking';
import { buildSplit, DISTRACTOR_PID, JUNK_PID, type ReidSample, renderSamples } from '../core/reid/split';
import { REID_IMAGE_HEIGHT, REID_IMAGE_WIDTH } from '../core/reid/synthetic-pedestrians';
import { totalDistance } from '../core/reid/total-distance';
import type { ProgressCallback } from './api';
import {
  type PairView,
  type RankedItem,
  type RankingExportRow,
  type RankingPage,
  RETRIEVAL_DISTANCES,
  RETRIEVAL_MODES,
  type RetrievalDistance,
  type RetrievalFile,
  type RetrievalItemInfo,
  type RetrievalMetrics,
  type RetrievalMode,
  type RetrievalRequest,
  type RetrievalSummary,
  retrievalMode,
} from './retrieval-types';

export interface ImageSet {
  info: RetrievalItemInfo[];
  /** uint8 NHWC [count, height, width, 3]. */
  pixels: Uint8Array;
}

/** Identity and camera from a Market-1501-style name ("0002_c3s1_000151_01.jpg", "12_c2_x.png"). */
export function labelFromName(path: string): { pid: number; camId: number } | null {
  const name = path.split('/').pop() ?? path;
  const m = /^(-?\d+)_c(\d+)/.exec(name);
  return m ? { pid: Number(m[1]), camId: Number(m[2]) } : null;
}

/** Decodes and fits uploaded images; bad files are listed with their reason, the good ones kept. */
export function fitUploads(
  files: readonly RetrievalFile[],
  height: number,
  width: number,
): ImageSet & { problems: string[] } {
  const problems: string[] = [];
  const info: RetrievalItemInfo[] = [];
  const chunks: Uint8Array[] = [];
  for (const f of files) {
    const name = f.path.split('/').pop() || f.path;
    if (f.bytes.length === 0) {
      problems.push(`${name}: the file is empty (0 bytes).`);
      continue;
    }
    const decoded = decodeImage(f.bytes, name);
    if (!decoded.ok) {
      problems.push(decoded.error.startsWith(name) ? decoded.error : `${name}: ${decoded.error}`);
      continue;
    }
    try {
      chunks.push(fitImage(decoded.value, height, width).data);
    } catch (e) {
      problems.push(`${name}: ${e instanceof Error ? e.message : String(e)}`);
      continue;
    }
    const label = labelFromName(name);
    info.push({ name, pid: label?.pid ?? null, camId: label?.camId ?? null });
  }
  const pixels = new Uint8Array(chunks.length * height * width * 3);
  for (const [i, c] of chunks.entries()) pixels.set(c, i * c.length);
  return { info, pixels, problems };
}

/**
 * A subset of the shipped model's test split: the queries of its first `ids` test identities, their gallery
 * images and junk, and the same share of the distractors.
 */
export async function syntheticSubset(
  ids: number,
  signal?: AbortSignal,
  onProgress?: (done: number, total: number) => void,
): Promise<{ query: ImageSet; gallery: ImageSet }> {
  const split = buildSplit();
  const queries = split.query.slice(0, Math.max(1, Math.min(ids, split.query.length)));
  const pids = new Set(queries.map((s) => s.pid));
  const identities = new Set(queries.map((s) => s.identity));
  const distractors = split.gallery.filter((s) => s.pid === DISTRACTOR_PID);
  const keepDistractors = Math.round((distractors.length * queries.length) / split.query.length);
  const keptDistractors = new Set(distractors.slice(0, keepDistractors));
  const gallery = split.gallery.filter(
    (s) => pids.has(s.pid) || (s.pid === JUNK_PID && identities.has(s.identity)) || keptDistractors.has(s),
  );
  const info = (s: ReidSample): RetrievalItemInfo => ({
    name:
      s.pid === DISTRACTOR_PID
        ? `distractor · cam ${s.camId}`
        : s.pid === JUNK_PID
          ? `junk · cam ${s.camId}`
          : `id ${s.pid} · cam ${s.camId}`,
    pid: s.pid,
    camId: s.camId,
  });
  // Rendered in chunks with a turn of the event loop between them, so a large subset can be cancelled.
  const size = REID_IMAGE_HEIGHT * REID_IMAGE_WIDTH * 3;
  const render = async (samples: ReidSample[], before: number): Promise<Uint8Array> => {
    const out = new Uint8Array(samples.length * size);
    for (let i = 0; i < samples.length; i += 64) {
      throwIfCancelled(signal);
      out.set(renderSamples(split.config, samples.slice(i, i + 64)), i * size);
      onProgress?.(before + Math.min(i + 64, samples.length), queries.length + gallery.length);
      await yieldToEventLoop();
    }
    return out;
  };
  return {
    query: { info: queries.map(info), pixels: await render(queries, 0) },
    gallery: { info: gallery.map(info), pixels: await render(gallery, queries.length) },
  };
}

interface Parts {
  global: DistanceMatrix;
  local: DistanceMatrix;
  unaligned: DistanceMatrix;
}

interface Session {
  query: ImageSet;
  gallery: ImageSet;
  queryFeatures: ReidFeatures;
  galleryFeatures: ReidFeatures;
  distances: Map<RetrievalMode, DistanceMatrix>;
  labelled: boolean;
  lambda: number;
  height: number;
  width: number;
}

const stage = (onProgress: ProgressCallback, label: string) => (done: number, total: number) =>
  onProgress({ done, total, label });

/** Holds the model and the last retrieval run. One per worker. */
export class RetrievalService {
  private model: ReidModel | null = null;
  private session: Session | null = null;

  constructor(private readonly loadModelBytes: (signal: AbortSignal) => Promise<Uint8Array>) {}

  private async ensureModel(signal: AbortSignal): Promise<ReidModel> {
    if (this.model) return this.model;
    const loaded = loadReidModel(await this.loadModelBytes(signal));
    if (!loaded.ok) throw new Error(`The shipped ReID model could not be read: ${loaded.error}`);
    this.model = loaded.value.model;
    return this.model;
  }

  async run(
    request: RetrievalRequest,
    signal: AbortSignal,
    onProgress: ProgressCallback,
    backend = 'unknown',
  ): Promise<RetrievalSummary> {
    onProgress({ done: 0, total: 1, label: 'Loading the ReID model' });
    const model = await this.ensureModel(signal);
    const [height, width] = model.config.inputSize;
    const problems: string[] = [];
    const synthetic =
      request.gallery === 'synthetic' || request.query === 'synthetic'
        ? await syntheticSubset(
            request.syntheticIds,
            signal,
            stage(onProgress, 'Drawing the synthetic images'),
          )
        : null;
    const pick = (source: 'synthetic' | 'upload', files: RetrievalFile[], which: 'query' | 'gallery') => {
      if (source === 'synthetic' && synthetic) return synthetic[which];
      onProgress({ done: 0, total: 1, label: `Decoding the ${which} images` });
      const set = fitUploads(files, height, width);
      problems.push(...set.problems.map((p) => `${which}: ${p}`));
      return set;
    };
    const gallery = pick(request.gallery, request.galleryFiles, 'gallery');
    const query = pick(request.query, request.queryFiles, 'query');
    const none = (which: string) =>
      `No usable ${which} image.${problems.length ? ` ${problems.slice(0, 6).join(' ')}` : ''}`;
    if (gallery.info.length === 0) throw new RetrievalInputError(none('gallery'), problems);
    if (query.info.length === 0) throw new RetrievalInputError(none('query'), problems);
    throwIfCancelled(signal);

    let t0 = performance.now();
    const galleryFeatures = await embedImages(model, gallery.pixels, gallery.info.length, {
      batchSize: 64,
      onProgress: (d, t) => {
        onProgress({ done: d, total: t, label: `Embedding the gallery ${d}/${t}` });
        throwIfCancelled(signal);
      },
    });
    const embedGalleryMs = performance.now() - t0;
    t0 = performance.now();
    const queryFeatures = await embedImages(model, query.pixels, query.info.length, {
      batchSize: 64,
      onProgress: (d, t) => {
        onProgress({ done: d, total: t, label: 'Embedding the queries' });
        throwIfCancelled(signal);
      },
    });
    const embedQueryMs = performance.now() - t0;
    throwIfCancelled(signal);

    t0 = performance.now();
    const pairs = async (a: ReidFeatures, b: ReidFeatures, what: string): Promise<Parts> => {
      const local = await computeLocalDistances(a.local, b.local, {
        signal,
        onProgress: stage(onProgress, `Local distances, ${what}`),
      });
      return {
        global: globalDistance(a.global, b.global),
        local: local.aligned,
        unaligned: local.unaligned,
      };
    };
    const lambda = request.lambda ?? 1;
    const qg = await pairs(queryFeatures, galleryFeatures, 'query × gallery');
    const qq = await pairs(queryFeatures, queryFeatures, 'query × query');
    const gg = await pairs(galleryFeatures, galleryFeatures, 'gallery × gallery');
    const distanceOf = (p: Parts, d: RetrievalDistance): DistanceMatrix =>
      d === 'total' ? totalDistance(p.global, p.local, lambda) : p[d];
    const distances = new Map<RetrievalMode, DistanceMatrix>();
    for (const [k, d] of RETRIEVAL_DISTANCES.entries()) {
      const plain = distanceOf(qg, d);
      distances.set(d, plain);
      onProgress({ done: k, total: RETRIEVAL_DISTANCES.length, label: `Re-ranking the ${d} distance` });
      throwIfCancelled(signal);
      distances.set(
        retrievalMode(d, true),
        reRank(plain, distanceOf(qq, d), distanceOf(gg, d), RERANK_DEFAULTS),
      );
      await yieldToEventLoop();
    }
    const distanceMs = performance.now() - t0;

    const labelled = [...query.info, ...gallery.info].every((i) => i.pid !== null && i.camId !== null);
    const metrics: RetrievalMetrics[] = [];
    if (labelled) {
      const labels = (set: ImageSet) => ({
        pids: set.info.map((i) => i.pid as number),
        camIds: set.info.map((i) => i.camId as number),
      });
      for (const mode of RETRIEVAL_MODES) {
        const r = evaluateRanking(
          (distances.get(mode) as DistanceMatrix).data,
          labels(query),
          labels(gallery),
        );
        metrics.push({
          mode,
          rank1: r.rank1,
          rank5: r.rank5,
          rank10: r.rank10,
          mAP: r.mAP,
          validQueries: r.validQueries,
        });
      }
    }
    this.session = {
      query,
      gallery,
      queryFeatures,
      galleryFeatures,
      distances,
      labelled,
      lambda,
      height,
      width,
    };
    return {
      queries: query.info,
      queryPixels: query.pixels.slice(),
      galleryCount: gallery.info.length,
      height,
      width,
      stripes: model.mapShape[0],
      problems,
      labelled,
      metrics,
      embedGalleryMs,
      embedQueryMs,
      distanceMs,
      distancePath: localDistancePathName(model.mapShape[0]),
      backend,
    };
  }

  private current(): Session {
    if (!this.session) throw new Error('Run a retrieval first.');
    return this.session;
  }

  private rankedItems(q: number, mode: RetrievalMode): RankedItem[] {
    const s = this.current();
    if (!Number.isInteger(q) || q < 0 || q >= s.query.info.length) throw new Error(`No query ${q}.`);
    const d = s.distances.get(mode);
    if (!d) throw new Error(`Unknown mode ${mode}.`);
    const ng = s.gallery.info.length;
    const order = rankRow(d.data, q * ng, ng);
    const qi = s.query.info[q];
    return Array.from(order, (g, k) => {
      const gi = s.gallery.info[g];
      const known = s.labelled && qi.pid !== null && gi.pid !== null;
      const ignored =
        known && isJunk(qi.pid as number, qi.camId as number, gi.pid as number, gi.camId as number);
      return {
        gallery: g,
        rank: k + 1,
        distance: d.data[q * ng + g],
        info: gi,
        correct: known ? gi.pid === qi.pid && (gi.pid as number) > 0 : null,
        ignored,
      };
    });
  }

  /** Items offset .. offset + count of query q's ranking under `mode`, with their images. */
  ranking(q: number, mode: RetrievalMode, offset: number, count: number): RankingPage {
    const s = this.current();
    const all = this.rankedItems(q, mode);
    const items = all.slice(Math.max(0, offset), Math.max(0, offset) + Math.max(0, count));
    const size = s.gallery.pixels.length / s.gallery.info.length;
    const pixels = new Uint8Array(items.length * size);
    for (const [i, it] of items.entries()) {
      pixels.set(s.gallery.pixels.subarray(it.gallery * size, (it.gallery + 1) * size), i * size);
    }
    return { query: q, mode, offset, items, pixels, total: all.length };
  }

  /** The side-by-side view of query q and gallery image g. */
  pair(q: number, g: number): PairView {
    const s = this.current();
    const nq = s.query.info.length;
    const ng = s.gallery.info.length;
    if (q < 0 || q >= nq || g < 0 || g >= ng) throw new Error(`No pair (${q}, ${g}).`);
    const a = alignPair(s.queryFeatures.local, q, s.galleryFeatures.local, g);
    const global = (s.distances.get('global') as DistanceMatrix).data[q * ng + g];
    const size = s.gallery.pixels.length / ng;
    const stripes = a.stripes;
    return {
      query: q,
      gallery: g,
      queryInfo: s.query.info[q],
      galleryInfo: s.gallery.info[g],
      queryPixels: s.query.pixels.slice(q * size, (q + 1) * size),
      galleryPixels: s.gallery.pixels.slice(g * size, (g + 1) * size),
      height: s.height,
      width: s.width,
      stripes,
      matrix: Float32Array.from(a.matrix),
      path: a.path.map(([i, j]) => [i, j] as [number, number]),
      global,
      local: a.distance,
      unaligned: a.unaligned,
      total: global + s.lambda * a.distance,
      lambda: s.lambda,
    };
  }

  /** Every query's top `topK` under `mode`, as rows for CSV/JSON. */
  exportRows(mode: RetrievalMode, topK: number): RankingExportRow[] {
    const s = this.current();
    const rows: RankingExportRow[] = [];
    s.query.info.forEach((qi, q) => {
      for (const it of this.rankedItems(q, mode).slice(0, topK)) {
        rows.push({
          query: qi.name,
          queryPid: qi.pid,
          rank: it.rank,
          gallery: it.info.name,
          galleryIndex: it.gallery,
          galleryPid: it.info.pid,
          distance: it.distance,
          correct: it.correct,
        });
      }
    });
    return rows;
  }
}

/** No usable image on one side; `problems` lists every bad file. */
export class RetrievalInputError extends Error {
  constructor(
    message: string,
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'RetrievalInputError';
  }
}
