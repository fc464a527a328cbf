/**
 * One worker's share of a parallel local-distance problem: a range of gallery images against the queries,
 * computed by the fastest CPU path (the fused SIMD kernel, or the Gram path on this worker's own
 * tfjs-wasm) and written into result matrices shared by every worker (a Node worker thread for the CLIs);
 * `LocalDistancePool` hands out the ranges.
 */
import { stripeFeatures } from './features';
import { bestKernelBuild } from './local-distance-gram-wasm';
import { computeLocalDistances, cpuLocalDistanceMethod } from './local-distance-tiled';

export interface RangeSetup {
  readonly query: SharedArrayBuffer;
  readonly gallery: SharedArrayBuffer;
  readonly numQuery: number;
  readonly numGallery: number;
  readonly stripes: number;
  readonly channels: number;
  readonly aligned: SharedArrayBuffer;
  /** Null when the unaligned distances are not wanted. */
  readonly unaligned: SharedArrayBuffer | null;
  /**
   * The query set is the gallery set: a range then needs only the queries before its end (the pool mirrors
   * the upper triangle onto the lower one afterwards).
   */
  readonly symmetric: boolean;
  /** Bytes per Gram tile (default: computeLocalDistances' GRAM_TILE_BYTES). */
  readonly tileBytes?: number;
  /** The CPU method (default: the fastest that fits, `cpuLocalDistanceMethod`). */
  readonly method?: 'gram' | 'fused';
}

export type RangeRequest = { setup: RangeSetup } | { gallery: readonly [number, number] };
export type RangeReply =
  /** Set up; `kernelBuild`: this worker's SIMD kernel build (relaxed SIMD is a per-engine flag in Node). */
  | { ready: true; kernelBuild: 'relaxed' | 'plain' | null }
  | { done: readonly [number, number] }
  | { error: string };

/** Gallery images [g0, g1) against the queries, into columns g0..g1 of the shared [nq, ng] matrices. */
export async function computeRange(setup: RangeSetup, [g0, g1]: readonly [number, number]): Promise<void> {
  const { numGallery: ng, stripes: h, channels: c } = setup;
  const rows = setup.symmetric ? g1 : setup.numQuery;
  const cols = g1 - g0;
  const query = stripeFeatures(new Float32Array(setup.query, 0, rows * h * c), rows, h, c);
  const gallery = stripeFeatures(new Float32Array(setup.gallery, g0 * h * c * 4, cols * h * c), cols, h, c);
  const result = await computeLocalDistances(query, gallery, {
    method: setup.method ?? cpuLocalDistanceMethod(h),
    unaligned: setup.unaligned !== null,
    maxBufferBytes: setup.tileBytes,
    checked: true, // by the pool, once for the whole problem
  });
  const place = (from: Float32Array, shared: SharedArrayBuffer) => {
    const to = new Float32Array(shared);
    for (let q = 0; q < rows; q++) to.set(from.subarray(q * cols, (q + 1) * cols), q * ng + g0);
  };
  place(result.aligned.data, setup.aligned);
  if (setup.unaligned) place(result.unaligned.data, setup.unaligned);
}

/**
 * A worker's message handler: `setup` once (after `ready` resolves, e.g. the backend started), then one
 * range at a time; every reply goes through `reply`.
 */
export function rangeHandler(
  ready: Promise<unknown>,
  reply: (message: RangeReply) => void,
): (request: RangeRequest) => Promise<void> {
  let setup: RangeSetup | null = null;
  return async (request) => {
    try {
      if ('setup' in request) {
        setup = request.setup;
        await ready;
        reply({ ready: true, kernelBuild: bestKernelBuild() });
        return;
      }
      if (!setup) throw new Error('local-distance worker: a range before setup');
      await computeRange(setup, request.gallery);
      reply({ done: request.gallery });
    } catch (error) {
      reply({ error: error instanceof Error ? error.message : String(error) });
    }
  };
}
