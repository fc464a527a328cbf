/**
 * The ReID local-distance benchmark: pairs per second of the aligned local distance (H = 8 stripes of
 * c = 128) for every path a backend has, measured in one run on the same data, then the wall time of the
 * Market-1501-sized problem (3,368 queries × 15,913 gallery images) through the tiling driver.
 *
 * Paths: 'wgsl' (the kernel per tile, webgpu only), 'cpu-reference' (the plain-JS reference, the same on
 * every backend), 'gram' (the backend's matMul + the transform and shortest path in the SIMD wasm kernel),
 * 'fused' (the SIMD wasm kernel computing the dot products too: the fast path off WebGPU), 'gram-threads'
 * and 'fused-threads' (those on one worker thread per core, each with its own tfjs-wasm; wasm only) and
 * 'tf-ops' (the formulation from plain tfjs ops). Each path runs on the 1,000 × 5,000 problem,
 * or, where the first tile shows it would take more than `maxSecondsPerPath`, on as many of the 1,000
 * queries as fit that time (pairs/s is a rate; the row says how many pairs it timed). Each path's results
 * are checked against the CPU reference on the queries both computed.
 *
 *   npx tsx scripts/bench-reid.ts [--backend wasm] [--seconds 60] [--market auto|yes|no] [--paths fused,fused-threads]
 *   (or through `npm run bench -- --suites reid`)
 */
import './lib/relaxed-simd';
import { cpus } from 'node:os';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { errorStats, randomStripes } from '../src/core/reid/distances.fixtures';
import { normalizeStripes, type StripeFeatures, stripeFeatures } from '../src/core/reid/features';
import { bestKernelBuild } from '../src/core/reid/local-distance-gram-wasm';
import type { LocalDistancePool } from '../src/core/reid/local-distance-pool';
import type { LocalDistances } from '../src/core/reid/local-distance-reference';
import { localDistanceValues } from '../src/core/reid/local-distance-reference';
import { localDistanceByTfOps } from '../src/core/reid/local-distance-tfops';
import {
  computeLocalDistances,
  type LocalDistanceMethod,
  localDistanceTilePlan,
} from '../src/core/reid/local-distance-tiled';
import { startNodeWebGPU } from './lib/node-webgpu';
import { startLocalDistanceThreads } from './lib/parallel-local-distances';

/** huanghoujing's numpy `low_memory_local_dist` on this 2-core machine (the issue's figure). */
export const NUMPY_PAIRS_PER_SECOND = 0.12e6;
/** The issue's goal: 20× numpy. */
export const GOAL_PAIRS_PER_SECOND = 20 * NUMPY_PAIRS_PER_SECOND;

export type ReidPath =
  | 'wgsl'
  | 'cpu-reference'
  | 'gram'
  | 'gram-threads'
  | 'fused'
  | 'fused-threads'
  | 'tf-ops';

export interface ReidBenchOptions {
  /** 'webgpu' (Dawn in Node), 'wasm' or 'cpu'; started if it is not the active backend. */
  readonly backend: string;
  readonly queries?: number;
  readonly gallery?: number;
  readonly stripes?: number;
  readonly channels?: number;
  /** Per path, the longest timed run; slower paths time fewer queries (default 60 s). */
  readonly maxSecondsPerPath?: number;
  /** 'auto' runs the Market-sized problem unless the fastest path's rate says it takes over maxMarketSeconds. */
  readonly market?: 'auto' | 'yes' | 'no';
  readonly maxMarketSeconds?: number;
  readonly paths?: readonly ReidPath[];
  readonly log?: (line: string) => void;
}

export interface ReidPathResult {
  readonly path: ReidPath;
  readonly queries: number;
  readonly gallery: number;
  readonly pairs: number;
  /** The median timed run's seconds (runs under 10 s are timed three times: this machine is noisy). */
  readonly seconds: number;
  /** Every timed run's seconds. */
  readonly runSeconds: number[];
  readonly pairsPerSecond: number;
  readonly timesNumpy: number;
  /**
   * Process CPU time of the timed run and pairs per CPU second: on a machine shared with other jobs the
   * wall-clock rate understates a path, the CPU-time rate much less (all paths here are single-threaded
   * except SwiftShader's workers, whose time counts too).
   */
  readonly cpuSeconds: number;
  readonly pairsPerCpuSecond: number;
  /** max |path − reference| / max |reference| on the queries both computed. */
  readonly relativeErrorVsReference: number | null;
}

export interface ReidBenchResult {
  readonly suite: 'reid-local-distance';
  readonly backend: string;
  readonly adapter: string | null;
  readonly cpu: string;
  readonly shape: { queries: number; gallery: number; stripes: number; channels: number };
  readonly numpyPairsPerSecond: number;
  readonly goalPairsPerSecond: number;
  /** The SIMD kernels' build in use: 'relaxed' (fused multiply-add), 'plain', or null (no SIMD). */
  readonly wasmKernelBuild: 'relaxed' | 'plain' | null;
  /** The same, as each worker thread reported it (null when no threaded path ran). */
  readonly threadKernelBuilds: ('relaxed' | 'plain' | null)[] | null;
  readonly paths: ReidPathResult[];
  readonly market:
    | {
        ran: true;
        /** The path that ran it. */
        method: ReidPath;
        seconds: number;
        cpuSeconds: number;
        pairsPerSecond: number;
        tiles: number;
        tile: string;
        peakRssMiB: number;
      }
    | { ran: false; reason: string; estimatedSeconds: number | null };
}

const MARKET = { queries: 3368, gallery: 15913 };

async function selectBackend(name: string): Promise<void> {
  if (tf.getBackend() === name) return;
  if (name === 'webgpu') await startNodeWebGPU();
  else if (!(await tf.setBackend(name))) throw new Error(`could not start the ${name} backend`);
  await tf.ready();
}

function adapterName(): string | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const info = (tf.backend() as unknown as { adapterInfo?: { vendor?: string; architecture?: string } })
    .adapterInfo;
  return info ? `${info.vendor}/${info.architecture}` : 'unknown';
}

/** Unit-norm stripes, as the reproduction's normalize_feature gives: stripe distances spread over (0, 0.76]. */
function features(count: number, stripes: number, channels: number, seed: number): StripeFeatures {
  return normalizeStripes(randomStripes(count, stripes, channels, seed));
}

/** The first `count` images. */
const head = (f: StripeFeatures, count: number) =>
  stripeFeatures(f.data.subarray(0, count * f.stripes * f.channels), count, f.stripes, f.channels);

/** [2, Q, G] local distances of `query` × `gallery` by one path. */
async function runPath(
  path: ReidPath,
  query: StripeFeatures,
  gallery: StripeFeatures,
): Promise<Float32Array> {
  const { count: nq, stripes: h, channels: c } = query;
  const ng = gallery.count;
  if (path === 'cpu-reference') return localDistanceValues(query.data, nq, gallery.data, ng, h, c);
  if (path === 'tf-ops') return tfOpsTiled(query, gallery);
  if (path === 'gram-threads' || path === 'fused-threads') {
    const method = path === 'gram-threads' ? 'gram' : 'fused';
    return pack(await threadPool().compute(query, gallery, { method }), nq, ng);
  }
  const distances = await computeLocalDistances(query, gallery, {
    method: path === 'wgsl' ? 'kernel' : path,
  });
  return pack(distances, nq, ng);
}

let pool: LocalDistancePool | null = null;
/** The worker threads of 'gram-threads', started on first use and kept (closed at the end of the bench). */
const threadPool = () => {
  pool ??= startLocalDistanceThreads();
  return pool;
};

/** Aligned then unaligned distances in one [2, Q, G] array. */
function pack({ aligned, unaligned }: LocalDistances, nq: number, ng: number): Float32Array {
  const out = new Float32Array(2 * nq * ng);
  out.set(aligned.data);
  out.set(unaligned.data, nq * ng);
  return out;
}

/** The tf-ops formulation over query tiles whose Gram stays near 16 MiB (its temporaries are ~10× that). */
async function tfOpsTiled(query: StripeFeatures, gallery: StripeFeatures): Promise<Float32Array> {
  const { count: nq, stripes: h, channels: c } = query;
  const ng = gallery.count;
  const tile = Math.max(1, Math.floor((16 * 2 ** 20) / (4 * h * h * Math.max(ng, 1))));
  const out = new Float32Array(2 * nq * ng);
  const g = tf.tensor3d(gallery.data, [ng, h, c]);
  try {
    for (let q0 = 0; q0 < nq; q0 += tile) {
      const rows = Math.min(tile, nq - q0);
      const part = tf.tidy(() =>
        localDistanceByTfOps(
          tf.tensor3d(query.data.subarray(q0 * h * c, (q0 + rows) * h * c), [rows, h, c]),
          g,
        ),
      );
      const values = await part.data();
      part.dispose();
      out.set(values.subarray(0, rows * ng), q0 * ng);
      out.set(values.subarray(rows * ng), nq * ng + q0 * ng);
    }
  } finally {
    g.dispose();
  }
  return out;
}

/** The aligned plane of [2, Q, G] values, first `rows` queries. */
const alignedRows = (values: Float32Array, rows: number, ng: number) => values.subarray(0, rows * ng);

/** Runs every path of the backend on the same data and the Market-sized problem; returns JSON-able figures. */
export async function benchReid(options: ReidBenchOptions): Promise<ReidBenchResult> {
  const log = options.log ?? console.log;
  await selectBackend(options.backend);
  const backend = tf.getBackend();
  const adapter = adapterName();
  const shape = {
    queries: options.queries ?? 1000,
    gallery: options.gallery ?? 5000,
    stripes: options.stripes ?? 8,
    channels: options.channels ?? 128,
  };
  const maxSeconds = options.maxSecondsPerPath ?? 60;
  const paths =
    options.paths ??
    // The reference first: every later path is checked against it.
    ((backend === 'webgpu'
      ? ['cpu-reference', 'wgsl', 'gram', 'fused', 'tf-ops']
      : backend === 'wasm'
        ? ['cpu-reference', 'gram', 'gram-threads', 'fused', 'fused-threads', 'tf-ops']
        : ['cpu-reference', 'gram', 'fused', 'tf-ops']) as ReidPath[]);
  const { stripes: h, channels: c } = shape;
  const query = features(shape.queries, h, c, 1);
  const gallery = features(shape.gallery, h, c, 2);

  let reference: { rows: number; values: Float32Array } | null = null;
  const results: ReidPathResult[] = [];
  for (const path of paths) {
    // Warm-up (pipelines, kernels; on threads, every thread's wasm tiered up to optimised code), then a
    // few queries to estimate the rate, then the timed run.
    await runPath(path, head(query, 8), head(gallery, Math.min(shape.gallery, 1000)));
    const probeRows = Math.min(shape.queries, 8);
    let t0 = performance.now();
    await runPath(path, head(query, probeRows), gallery);
    const probeRate = (probeRows * shape.gallery) / ((performance.now() - t0) / 1000);
    const rows = Math.max(
      probeRows,
      Math.min(shape.queries, Math.floor((probeRate * maxSeconds) / shape.gallery)),
    );
    const runs: { seconds: number; cpuSeconds: number }[] = [];
    let values: Float32Array = new Float32Array(0);
    do {
      t0 = performance.now();
      const cpu0 = process.cpuUsage();
      values = await runPath(path, head(query, rows), gallery);
      const cpu = process.cpuUsage(cpu0);
      runs.push({ seconds: (performance.now() - t0) / 1000, cpuSeconds: (cpu.user + cpu.system) / 1e6 });
    } while (runs.length < 3 && runs[0].seconds < 10);
    const { seconds, cpuSeconds } = [...runs].sort((a, b) => a.seconds - b.seconds)[runs.length >> 1];
    if (path === 'cpu-reference') reference = { rows, values };
    const shared = reference ? Math.min(reference.rows, rows) : 0;
    const relativeError = reference
      ? errorStats(
          alignedRows(values, shared, shape.gallery),
          alignedRows(reference.values, shared, shape.gallery),
        ).relative
      : null;
    const pairs = rows * shape.gallery;
    const row: ReidPathResult = {
      path,
      queries: rows,
      gallery: shape.gallery,
      pairs,
      seconds: Number(seconds.toFixed(3)),
      runSeconds: runs.map((r) => Number(r.seconds.toFixed(3))),
      pairsPerSecond: Math.round(pairs / seconds),
      timesNumpy: Number((pairs / seconds / NUMPY_PAIRS_PER_SECOND).toFixed(2)),
      cpuSeconds: Number(cpuSeconds.toFixed(3)),
      pairsPerCpuSecond: Math.round(pairs / cpuSeconds),
      relativeErrorVsReference: relativeError === null ? null : Number(relativeError.toExponential(2)),
    };
    results.push(row);
    log(
      `reid ${backend.padEnd(7)} ${path.padEnd(14)} ${rows} x ${shape.gallery} pairs in ${seconds.toFixed(2)} s` +
        `${runs.length > 1 ? ` (median of ${runs.map((r) => r.seconds.toFixed(2)).join(', ')})` : ''}: ` +
        `${(row.pairsPerSecond / 1e6).toFixed(3)} M pairs/s (${row.timesNumpy}x numpy), ` +
        `${(row.pairsPerCpuSecond / 1e6).toFixed(3)} M pairs per CPU second` +
        (relativeError === null ? '' : `, rel. error vs reference ${relativeError.toExponential(2)}`),
    );
  }

  const threadKernelBuilds = pool ? [...pool.kernelBuilds] : null;
  const market = await benchMarket(options, results, h, c, log).finally(async () => {
    await pool?.close();
    pool = null;
  });
  return {
    suite: 'reid-local-distance',
    backend,
    adapter,
    cpu: `${cpus()[0]?.model ?? 'unknown'} x${cpus().length}`,
    shape,
    numpyPairsPerSecond: NUMPY_PAIRS_PER_SECOND,
    goalPairsPerSecond: GOAL_PAIRS_PER_SECOND,
    wasmKernelBuild: bestKernelBuild(),
    threadKernelBuilds,
    paths: results,
    market,
  };
}

/**
 * The Market-1501-sized problem by the fastest path that tiles (WGSL on webgpu; the Gram path, on every core
 * where the threaded path ran, elsewhere).
 */
async function benchMarket(
  options: ReidBenchOptions,
  results: readonly ReidPathResult[],
  h: number,
  c: number,
  log: (line: string) => void,
): Promise<ReidBenchResult['market']> {
  const pairs = MARKET.queries * MARKET.gallery;
  const candidates: ReidPath[] =
    tf.getBackend() === 'webgpu' ? ['wgsl'] : ['gram', 'gram-threads', 'fused', 'fused-threads'];
  const fastest = results
    .filter((r) => candidates.includes(r.path))
    .sort((a, b) => b.pairsPerSecond - a.pairsPerSecond)[0];
  const path = fastest?.path ?? candidates[0];
  const estimatedSeconds = fastest ? Math.round(pairs / fastest.pairsPerSecond) : null;
  const mode = options.market ?? 'auto';
  const limit = options.maxMarketSeconds ?? 900;
  if (mode === 'no') return { ran: false, reason: 'not requested', estimatedSeconds };
  if (mode === 'auto' && (estimatedSeconds === null || estimatedSeconds > limit)) {
    const reason = `the ${path} path's measured rate puts it at ~${estimatedSeconds ?? '?'} s, over the ${limit} s limit (--market yes runs it anyway)`;
    log(`reid ${tf.getBackend()} Market-sized problem skipped: ${reason}`);
    return { ran: false, reason, estimatedSeconds };
  }
  const query = features(MARKET.queries, h, c, 3);
  const gallery = features(MARKET.gallery, h, c, 4);
  const threads = path === 'gram-threads' || path === 'fused-threads';
  const method: LocalDistanceMethod =
    path === 'wgsl' ? 'kernel' : path === 'gram' || path === 'gram-threads' ? 'gram' : 'fused';
  const plan = localDistanceTilePlan(MARKET.queries, MARKET.gallery, h, c, {
    useKernel: method === 'kernel',
    fused: method === 'fused',
  });
  let lastLogged = 0;
  let peakRss = process.memoryUsage().rss;
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const onProgress = (done: number, total: number) => {
    peakRss = Math.max(peakRss, process.memoryUsage().rss);
    const now = performance.now();
    if (now - lastLogged > 30_000 || done === total) {
      lastLogged = now;
      log(
        `reid Market-sized: ${done}/${total} ${threads ? 'gallery images' : 'tiles'}, ${((now - t0) / 1000).toFixed(0)} s`,
      );
    }
  };
  const result = threads
    ? await threadPool().compute(query, gallery, {
        unaligned: false,
        onProgress,
        method: method === 'gram' ? 'gram' : 'fused',
      })
    : await computeLocalDistances(query, gallery, { method, unaligned: false, onProgress });
  const seconds = (performance.now() - t0) / 1000;
  // Worker threads' CPU time counts in the process's.
  const cpu = process.cpuUsage(cpu0);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  if (!result.aligned.data.every(Number.isFinite))
    throw new Error('Market-sized run produced non-finite distances');
  log(
    `reid ${tf.getBackend().padEnd(7)} Market-sized ${MARKET.queries} x ${MARKET.gallery} (${path}): ${seconds.toFixed(1)} s, ` +
      `${(pairs / seconds / 1e6).toFixed(3)} M pairs/s (${cpuSeconds.toFixed(0)} CPU s), ` +
      `${plan.queryTiles * plan.galleryTiles} tiles per pass, peak RSS ${Math.round(peakRss / 2 ** 20)} MiB`,
  );
  return {
    ran: true,
    method: path,
    seconds: Number(seconds.toFixed(1)),
    cpuSeconds: Number(cpuSeconds.toFixed(1)),
    pairsPerSecond: Math.round(pairs / seconds),
    tiles: plan.queryTiles * plan.galleryTiles,
    tile: `${plan.queryTile} x ${plan.galleryTile} images`,
    peakRssMiB: Math.round(peakRss / 2 ** 20),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values } = parseArgs({
    options: {
      backend: { type: 'string', default: 'wasm' },
      seconds: { type: 'string', default: '60' },
      market: { type: 'string', default: 'auto' },
      paths: { type: 'string' },
    },
  });
  const result = await benchReid({
    backend: values.backend,
    maxSecondsPerPath: Number(values.seconds),
    market: values.market as 'auto' | 'yes' | 'no',
    paths: values.paths?.split(',') as ReidPath[] | undefined,
  });
  console.log(JSON.stringify(result, null, 2));
  process.exit(0);
}
