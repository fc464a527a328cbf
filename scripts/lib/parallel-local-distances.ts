/**
 * `LocalDistancePool` on Node worker threads: tfjs runs wasm single-threaded in Node, so one thread per
 * core, each with its own tfjs-wasm, takes gallery ranges (see `src/core/reid/local-distance-pool.ts`).
 */
import { availableParallelism } from 'node:os';
import type { StripeFeatures } from '../../src/core/reid/features';
import {
  LocalDistancePool,
  type PoolComputeOptions,
  type RangeWorker,
} from '../../src/core/reid/local-distance-pool';
import type { RangeReply } from '../../src/core/reid/local-distance-range';
import type { LocalDistances } from '../../src/core/reid/local-distance-reference';
import { startTsxWorker } from './tsx-worker';

export interface ParallelLocalDistanceOptions extends PoolComputeOptions {
  /** Worker threads (default: one per core). */
  readonly threads?: number;
}

/** A worker thread running the TypeScript thread module through tsx's loader. */
function startThread(): RangeWorker {
  const worker = startTsxWorker(new URL('./local-distance-thread.ts', import.meta.url));
  return {
    post: (request) => worker.postMessage(request),
    listen(onReply: (reply: RangeReply) => void, onError: (error: Error) => void) {
      worker.on('message', onReply);
      worker.on('error', onError);
      return () => {
        worker.off('message', onReply);
        worker.off('error', onError);
      };
    },
    terminate: () => worker.terminate(),
  };
}

/** A pool of worker threads kept between problems (starting one costs ~2 s: tsx and tfjs-wasm load in each). */
export function startLocalDistanceThreads(threads = availableParallelism()): LocalDistancePool {
  return new LocalDistancePool(Array.from({ length: Math.max(1, threads) }, startThread));
}

/** One problem on fresh threads (see startLocalDistanceThreads to keep them between problems). */
export async function computeLocalDistancesInThreads(
  query: StripeFeatures,
  gallery: StripeFeatures,
  options: ParallelLocalDistanceOptions = {},
): Promise<LocalDistances> {
  const pool = startLocalDistanceThreads(
    Math.min(options.threads ?? availableParallelism(), Math.max(1, query.count)),
  );
  try {
    return await pool.compute(query, gallery, options);
  } finally {
    await pool.close();
  }
}
