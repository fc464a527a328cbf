/**
 * Local distances for problems of any size: the query × gallery grid is cut into tiles so that no buffer (a
 * query tile, a gallery tile, an output tile) exceeds a byte budget or the device's
 * maxStorageBufferBindingSize, and no dispatch exceeds maxComputeWorkgroupsPerDimension. Each tile is read
 * back into one Float32Array per distance. Three methods:
 *  - 'kernel': the local-distance kernel (the WGSL program on webgpu, the CPU reference elsewhere);
 *  - 'gram': the backend's matMul for the stripe dot products, then the transform and the shortest path in
 *    the SIMD wasm kernel (`local-distance-gram-wasm.ts`; plain JS where WebAssembly SIMD is missing);
 *  - 'fused': the SIMD wasm kernel computes the dot products too (`local-distance-fused-wasm.ts`): no
 *    matMul, no readback, the cells stay in L1; for an even stripe count.
 * 'auto' (the default) takes the kernel on webgpu, elsewhere 'fused' where it fits and 'gram' otherwise.
 *
 * Every tile has the same shape (the last ones are padded with zero features and their extra results
 * dropped): tfjs pools GPU buffers by exact size and caches pipelines per shape class, so one tile shape
 * means no buffer growth and no recompiles over a long run. Two tiles are in flight, so the device computes
 * one while the previous one is read back.
 */
import * as tf from '@tensorflow/tfjs';
import type { WebGPUBackend } from '@tensorflow/tfjs-backend-webgpu';
import { checkComparable, isOneSet, type StripeFeatures } from './features';
import { squaredNorms } from './gram';
import { FusedDistanceKernel, fusedKernelFits, QUERY_ROWS } from './local-distance-fused-wasm';
import { localDistancesFromGram, transposeStripes } from './local-distance-gram';
import {
  GALLERY_LANES,
  GramDistanceKernel,
  simdGramKernelAvailable,
  stripeMajorColumns,
  stripeNormsF32,
} from './local-distance-gram-wasm';
import { localDistance } from './local-distance-kernel';
import { imagesPerTile } from './local-distance-program';
import type { LocalDistances } from './local-distance-reference';

/** Default budget per buffer: small enough for any WebGPU device (the spec's minimum limit is 128 MiB). */
export const DEFAULT_TILE_BYTES = 64 * 1024 * 1024;

/**
 * Budget of one Gram tile on the 'gram' path: the SIMD kernel reads a tile right after the matmul wrote it
 * and the readback copied it, so a tile that stays in the caches (1 MiB; was 16 MiB) is read much faster.
 */
export const GRAM_TILE_BYTES = 1024 * 1024;

export type LocalDistanceMethod = 'auto' | 'kernel' | 'gram' | 'fused';

/** The fastest CPU method for this stripe count: 'fused' where its kernel fits, else 'gram'. */
export const cpuLocalDistanceMethod = (stripes: number): 'fused' | 'gram' =>
  fusedKernelFits(stripes) ? 'fused' : 'gram';

/** What `method` means on the active backend: 'auto' is the kernel on webgpu, the fastest CPU method elsewhere. */
export function resolveLocalDistanceMethod(
  method: LocalDistanceMethod,
  stripes: number,
): Exclude<LocalDistanceMethod, 'auto'> {
  if (method !== 'auto') return method;
  return tf.getBackend() === 'webgpu' ? 'kernel' : cpuLocalDistanceMethod(stripes);
}

export interface TiledLocalDistanceOptions {
  /** How each tile is computed (see the file comment); default 'auto'. */
  readonly method?: LocalDistanceMethod;
  /** Most bytes one buffer may take (default 64 MiB); the device's storage-buffer limit caps it too. */
  readonly maxBufferBytes?: number;
  /** Also return the unaligned distances (default true); false halves the host memory of the result. */
  readonly unaligned?: boolean;
  /** Called after each tile with the number of tiles done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  /** Stops between tiles; the promise then rejects with the signal's reason. */
  readonly signal?: AbortSignal;
  /**
   * The caller has already checked the features (`checkComparable`): a worker's range of a problem the
   * pool checked once, where scanning every query again per range cost 3% of the run.
   */
  readonly checked?: boolean;
}

export interface TilePlan {
  /** Images per query tile and per gallery tile (every tile has these counts, padded at the end). */
  readonly queryTile: number;
  readonly galleryTile: number;
  readonly queryTiles: number;
  readonly galleryTiles: number;
}

export interface TileLimits {
  /** Bytes per buffer. */
  readonly maxBufferBytes: number;
  /** Workgroups per dispatch dimension (Infinity off WebGPU). */
  readonly maxWorkgroupsPerDimension: number;
  /** Output bytes per pair: 8 for the kernel's two distances (default), 4·H² for a Gram tile. */
  readonly bytesPerPair?: number;
}

/**
 * The tile counts for `numQuery` × `numGallery` images of `stripes` × `channels` floats: the gallery tile
 * as large as the limits allow (each gallery tile is uploaded once), then the query tile as large as the
 * output buffer allows; both balanced so that padding wastes less than one tile's row.
 */
export function planTiles(
  numQuery: number,
  numGallery: number,
  stripes: number,
  channels: number,
  { maxBufferBytes, maxWorkgroupsPerDimension, bytesPerPair = 8 }: TileLimits,
): TilePlan {
  const imageBytes = stripes * channels * 4;
  const imagesPerDispatch = maxWorkgroupsPerDimension * imagesPerTile(Math.min(stripes, 64));
  const maxImages = Math.min(Math.floor(maxBufferBytes / imageBytes), imagesPerDispatch);
  // The output tile takes bytesPerPair × queryTile × galleryTile; leave room for at least one query.
  const maxGallery = Math.min(maxImages, Math.floor(maxBufferBytes / bytesPerPair));
  if (maxGallery < 1) {
    throw new Error(
      `localDistances: one image of ${stripes} x ${channels} floats does not fit a ${maxBufferBytes}-byte buffer`,
    );
  }
  const galleryTiles = Math.max(1, Math.ceil(numGallery / maxGallery));
  const galleryTile = Math.max(1, Math.ceil(numGallery / galleryTiles));
  const maxQuery = Math.min(maxImages, Math.floor(maxBufferBytes / (bytesPerPair * galleryTile)));
  const queryTiles = Math.max(1, Math.ceil(numQuery / maxQuery));
  const queryTile = Math.max(1, Math.ceil(numQuery / queryTiles));
  return { queryTile, galleryTile, queryTiles, galleryTiles };
}

/** The active backend's limits: the device's on WebGPU, only the byte budget elsewhere. */
export function activeTileLimits(maxBufferBytes = DEFAULT_TILE_BYTES): TileLimits {
  if (tf.getBackend() !== 'webgpu')
    return { maxBufferBytes, maxWorkgroupsPerDimension: Number.POSITIVE_INFINITY };
  const limits = (tf.backend() as unknown as WebGPUBackend).device.limits;
  return {
    maxBufferBytes: Math.min(maxBufferBytes, limits.maxStorageBufferBindingSize, limits.maxBufferSize),
    maxWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
  };
}

/**
 * The tiles `computeLocalDistances` takes: for the kernel, the device's limits; for the Gram and fused
 * paths, `gramTilePlan` within GRAM_TILE_BYTES (the fused kernel's query tile padded to its 4-query
 * blocks). For one set against itself (`oneSet`) the kernel's tiles are square, so that skipping the tiles
 * below the diagonal skips work (the kernel's plan is otherwise one gallery tile as wide as the whole set).
 */
export function localDistanceTilePlan(
  numQuery: number,
  numGallery: number,
  stripes: number,
  channels: number,
  {
    useKernel,
    maxBufferBytes,
    oneSet = false,
    fused = false,
  }: { useKernel: boolean; maxBufferBytes?: number; oneSet?: boolean; fused?: boolean },
): TilePlan {
  if (!useKernel) {
    const budget = Math.min(maxBufferBytes ?? GRAM_TILE_BYTES, GRAM_TILE_BYTES);
    const plan = gramTilePlan(numQuery, numGallery, stripes, channels, budget);
    if (!fused) return plan;
    const queryTile = Math.ceil(plan.queryTile / QUERY_ROWS) * QUERY_ROWS;
    return { ...plan, queryTile, queryTiles: Math.ceil(numQuery / queryTile) };
  }
  const plan = planTiles(numQuery, numGallery, stripes, channels, {
    ...activeTileLimits(maxBufferBytes),
    bytesPerPair: 8,
  });
  // A gallery tile no wider than the query tile is within every limit the wider one met.
  if (!oneSet || plan.galleryTile <= plan.queryTile) return plan;
  return { ...plan, galleryTile: plan.queryTile, galleryTiles: plan.queryTiles };
}

/**
 * Gram-path tiles: a Gram tile ([qt·h, h·gt] floats) within `budget` bytes, about 16 gallery images per
 * query (wide enough for an efficient matmul, while the tile is still in cache when the SIMD kernel reads
 * it), the gallery tile a multiple of 4 for the kernel's lanes (a tile of 1 to 3 images then grows past
 * the budget), and neither side's features past the budget.
 */
export function gramTilePlan(
  numQuery: number,
  numGallery: number,
  stripes: number,
  channels: number,
  budget: number,
): TilePlan {
  const lanes = simdGramKernelAvailable() ? GALLERY_LANES : 1;
  const roundUp = (n: number) => Math.ceil(n / lanes) * lanes;
  const maxImages = Math.max(1, Math.floor(budget / (stripes * channels * 4)));
  const pairs = Math.max(1, Math.floor(budget / (4 * stripes * stripes)));
  const wide = Math.max(1, Math.min(numGallery, maxImages, pairs, Math.floor(Math.sqrt(16 * pairs))));
  const galleryTiles = Math.max(1, Math.ceil(numGallery / wide));
  const galleryTile = roundUp(Math.max(1, Math.ceil(numGallery / galleryTiles)));
  const tall = Math.max(1, Math.min(numQuery, maxImages, Math.floor(pairs / galleryTile)));
  const queryTiles = Math.max(1, Math.ceil(numQuery / tall));
  return {
    queryTile: Math.max(1, Math.ceil(numQuery / queryTiles)),
    galleryTile,
    queryTiles,
    galleryTiles: Math.max(1, Math.ceil(numGallery / galleryTile)),
  };
}

/** `count` images starting at `first`, zero-padded to `tile` images. */
function tileOf(features: StripeFeatures, first: number, tile: number): Float32Array {
  const size = features.stripes * features.channels;
  const end = Math.min(features.count, first + tile);
  const view = features.data.subarray(first * size, end * size);
  if (end - first === tile) return view;
  const padded = new Float32Array(tile * size);
  padded.set(view);
  return padded;
}

/** One tile on its way: its values being read back, how they become [2, qt, gt] distances, what to free. */
interface InFlight {
  readonly values: Promise<tf.backend_util.TypedArray>;
  readonly finish: (values: Float32Array) => Float32Array;
  readonly release: () => void;
  readonly q0: number;
  readonly g0: number;
}

/** Starts the tiles of one gallery tile: `run(q0)` queues the query tile starting at q0. */
type GalleryTileRunner = { run(q0: number): Omit<InFlight, 'q0' | 'g0'>; dispose(): void };

/** A tile computed on the device: its output tensor is read back, then disposed. */
function deviceTile(out: tf.Tensor, finish: InFlight['finish']): Omit<InFlight, 'q0' | 'g0'> {
  return { values: out.data(), finish, release: () => out.dispose() };
}

/** The kernel per tile: its output is already [2, qt, gt]. */
function kernelRunner(
  query: StripeFeatures,
  gallery: StripeFeatures,
  g0: number,
  plan: TilePlan,
): GalleryTileRunner {
  const { stripes: h, channels: c } = query;
  const { queryTile: qt, galleryTile: gt } = plan;
  const galleryTile = tf.tensor3d(tileOf(gallery, g0, gt), [gt, h, c]);
  return {
    run: (q0) =>
      deviceTile(
        tf.tidy(() => localDistance(tf.tensor3d(tileOf(query, q0, qt), [qt, h, c]), galleryTile)),
        (values) => values,
      ),
    dispose: () => galleryTile.dispose(),
  };
}

/**
 * The backend's matMul per tile [qt·H, c] × [c, H·gt], then the distances from the Gram: by the SIMD kernel
 * (gallery columns in stripe-major order, gt a multiple of 4) or, without WebAssembly SIMD, in plain JS.
 */
function gramRunner(
  query: StripeFeatures,
  gallery: StripeFeatures,
  g0: number,
  plan: TilePlan,
): GalleryTileRunner {
  const { stripes: h, channels: c } = query;
  const { queryTile: qt, galleryTile: gt } = plan;
  const galleryData = tileOf(gallery, g0, gt);
  const simd = simdGramKernelAvailable() && gt % GALLERY_LANES === 0;
  const galleryT = tf.tensor2d(
    simd ? stripeMajorColumns(galleryData, gt, h, c) : transposeStripes(galleryData, gt * h, c),
    [c, gt * h],
  );
  const multiply = (queryData: Float32Array) =>
    tf.tidy(() => tf.matMul(tf.tensor2d(queryData, [qt * h, c]), galleryT));
  if (simd) {
    const kernel = GramDistanceKernel.acquire(h, c, qt, gt);
    kernel.setGallery(galleryData, stripeNormsF32(galleryData, gt, h, c, true));
    return {
      run: (q0) => {
        const queryData = tileOf(query, q0, qt);
        return deviceTile(
          multiply(queryData),
          (gram) => kernel.run(gram, queryData, stripeNormsF32(queryData, qt, h, c, false)).distances,
        );
      },
      dispose: () => {
        galleryT.dispose();
        GramDistanceKernel.release(kernel);
      },
    };
  }
  const galleryNorms = squaredNorms(galleryData, c);
  const distances = new Float32Array(2 * qt * gt);
  return {
    run: (q0) => {
      const queryData = tileOf(query, q0, qt);
      return deviceTile(multiply(queryData), (gram) => {
        const queryNorms = squaredNorms(queryData, c);
        localDistancesFromGram(
          gram,
          queryData,
          queryNorms,
          qt,
          galleryData,
          galleryNorms,
          gt,
          h,
          c,
          distances,
        );
        return distances;
      });
    },
    dispose: () => galleryT.dispose(),
  };
}

/**
 * The fused SIMD kernel per tile, on the CPU: each tile is computed when it is queued (its distances are
 * copied out of the kernel's memory, which the next tile reuses).
 */
function fusedRunner(
  query: StripeFeatures,
  gallery: StripeFeatures,
  g0: number,
  plan: TilePlan,
): GalleryTileRunner {
  const { stripes: h, channels: c } = query;
  const { queryTile: qt, galleryTile: gt } = plan;
  const kernel = FusedDistanceKernel.acquire(h, c, qt, gt);
  kernel.setGallery(tileOf(gallery, g0, gt));
  return {
    run: (q0) => ({
      values: Promise.resolve(kernel.run(tileOf(query, q0, qt)).distances.slice()),
      finish: (values) => values,
      release: () => {},
    }),
    dispose: () => FusedDistanceKernel.release(kernel),
  };
}

/**
 * The aligned and unaligned local distances of every query × gallery pair, computed tile by tile on the
 * active backend and read back. Passing one set as both (the same `data`) computes about half the tiles.
 */
export async function computeLocalDistances(
  query: StripeFeatures,
  gallery: StripeFeatures,
  options: TiledLocalDistanceOptions = {},
): Promise<LocalDistances> {
  if (!options.checked) checkComparable('computeLocalDistances', query, gallery);
  const { stripes, channels } = query;
  const withUnaligned = options.unaligned ?? true;
  const method = resolveLocalDistanceMethod(options.method ?? 'auto', stripes);
  const useKernel = method === 'kernel';
  if (method === 'fused' && !fusedKernelFits(stripes)) {
    throw new Error(
      `computeLocalDistances: the fused method needs WebAssembly SIMD and an even stripe count (got ${stripes})`,
    );
  }
  // One set against itself: only the tiles that reach the upper triangle, the lower one mirrored from it.
  const symmetric = isOneSet(query, gallery);
  const plan = localDistanceTilePlan(query.count, gallery.count, stripes, channels, {
    useKernel,
    maxBufferBytes: options.maxBufferBytes,
    oneSet: symmetric,
    fused: method === 'fused',
  });
  const aligned = new Float32Array(query.count * gallery.count);
  const unaligned = new Float32Array(withUnaligned ? query.count * gallery.count : 0);
  const { queryTile: qt, galleryTile: gt } = plan;
  const queryEnd = (g0: number) => (symmetric ? Math.min(query.count, g0 + gt) : query.count);
  let total = 0;
  for (let g0 = 0; g0 < gallery.count; g0 += gt) total += Math.ceil(queryEnd(g0) / qt);

  // Copies a finished tile [2, qt, gt] into the result rows, dropping padded queries and gallery images.
  const store = (values: Float32Array, q0: number, g0: number) => {
    const rows = Math.min(qt, query.count - q0);
    const cols = Math.min(gt, gallery.count - g0);
    for (let r = 0; r < rows; r++) {
      const from = r * gt;
      const to = (q0 + r) * gallery.count + g0;
      aligned.set(values.subarray(from, from + cols), to);
      if (withUnaligned) unaligned.set(values.subarray(qt * gt + from, qt * gt + from + cols), to);
    }
  };

  const inFlight: InFlight[] = [];
  let done = 0;
  // Waits for the oldest tiles until at most `keep` are left in flight.
  const drain = async (keep: number) => {
    while (inFlight.length > keep) {
      const tile = inFlight.shift() as InFlight;
      try {
        store(tile.finish((await tile.values) as Float32Array), tile.q0, tile.g0);
      } finally {
        tile.release();
      }
      options.onProgress?.(++done, total);
    }
  };

  try {
    for (let g0 = 0; g0 < gallery.count; g0 += gt) {
      const runner = (useKernel ? kernelRunner : method === 'fused' ? fusedRunner : gramRunner)(
        query,
        gallery,
        g0,
        plan,
      );
      try {
        for (let q0 = 0; q0 < queryEnd(g0); q0 += qt) {
          options.signal?.throwIfAborted();
          const tile = runner.run(q0);
          // Queue this tile's readback, then wait for the previous one: the device works meanwhile.
          inFlight.push({ ...tile, q0, g0 });
          await drain(1);
        }
        // The gram runner's JS buffers belong to this gallery tile: finish its tiles before the next one.
        await drain(0);
      } finally {
        runner.dispose();
      }
    }
  } finally {
    // After an abort or an error: release what is still in flight.
    for (const tile of inFlight.splice(0)) {
      tile.values.catch(() => {});
      tile.release();
    }
  }
  if (symmetric) {
    mirrorUpperTriangle(aligned, query.count);
    if (withUnaligned) mirrorUpperTriangle(unaligned, query.count);
  }
  const matrix = (data: Float32Array) => ({ rows: query.count, cols: gallery.count, data });
  return { aligned: matrix(aligned), unaligned: matrix(unaligned) };
}

/**
 * Copies the upper triangle of an n × n row-major matrix onto the lower one (m[r][c] = m[c][r], c < r),
 * in square blocks so that the column-wise reads stay in cache.
 */
export function mirrorUpperTriangle(m: Float32Array, n: number): void {
  const block = 64;
  for (let r0 = 0; r0 < n; r0 += block) {
    const r1 = Math.min(n, r0 + block);
    for (let c0 = 0; c0 <= r0; c0 += block) {
      const c1 = Math.min(n, c0 + block);
      for (let r = r0; r < r1; r++) {
        const end = Math.min(c1, r);
        for (let c = c0; c < end; c++) m[r * n + c] = m[c * n + r];
      }
    }
  }
}
