/**
 * The local distances on every core in Node: tfjs runs wasm single-threaded there, so the gallery is cut
 * into ranges that worker threads, each with its own tfjs-wasm, take from a queue (the faster thread takes
 * more on a shared machine) and compute by the Gram path into shared result matrices. Ranges of the gallery
 * rather than of the queries: a gallery tile costs a layout change, norms and an upload to prepare and a
 * query tile costs nothing, so each gallery image is prepared once, however many ranges there are.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkFinite, checkSameStripes, type StripeFeatures } from '../../src/core/reid/features';
import type { LocalDistances } from '../../src/core/reid/local-distance-reference';
import type { ThreadReply, ThreadRequest } from './local-distance-thread';

export interface ParallelLocalDistanceOptions {
  /** Worker threads (default: one per core). */
  readonly threads?: number;
  /** Gallery images per range (default: four ranges per thread, rounded up to a multiple of 4). */
  readonly galleryPerRange?: number;
  readonly unaligned?: boolean;
  /** Bytes per Gram tile in each thread (default: computeLocalDistances' GRAM_TILE_BYTES). */
  readonly tileBytes?: number;
  /** Called after each range with the gallery images done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

/** A worker thread running the TypeScript thread module through tsx's loader. */
function startThread(): Worker {
  const url = new URL('./local-distance-thread.ts', import.meta.url).href;
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(url)}); })`,
    { eval: true },
  );
}

function shared(data: Float32Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(data.byteLength);
  new Float32Array(buffer).set(data);
  return buffer;
}

/** Worker threads kept between problems (starting one costs ~2 s: tsx and tfjs-wasm load in each). */
export class LocalDistanceThreads {
  private constructor(private readonly workers: Worker[]) {}

  static start(threads = availableParallelism()): LocalDistanceThreads {
    return new LocalDistanceThreads(Array.from({ length: Math.max(1, threads) }, startThread));
  }

  get size(): number {
    return this.workers.length;
  }

  async compute(
    query: StripeFeatures,
    gallery: StripeFeatures,
    options: Omit<ParallelLocalDistanceOptions, 'threads'> = {},
  ): Promise<LocalDistances> {
    checkSameStripes('LocalDistanceThreads.compute', query, gallery);
    checkFinite('query features', query.data);
    checkFinite('gallery features', gallery.data);
    options.signal?.throwIfAborted();
    const nq = query.count;
    const ng = gallery.count;
    const withUnaligned = options.unaligned ?? true;
    // Multiples of 4 keep the SIMD kernel's gallery tiles free of padding.
    const perRange =
      options.galleryPerRange ?? Math.max(4, Math.ceil(ng / (this.workers.length * 4) / 4) * 4);
    const aligned = new SharedArrayBuffer(nq * ng * 4);
    const unaligned = withUnaligned ? new SharedArrayBuffer(nq * ng * 4) : null;
    const matrix = (buffer: SharedArrayBuffer | null) => ({
      rows: nq,
      cols: ng,
      data: buffer ? new Float32Array(buffer) : new Float32Array(0),
    });
    if (nq === 0 || ng === 0) return { aligned: matrix(aligned), unaligned: matrix(unaligned) };

    const setup = {
      query: shared(query.data),
      gallery: shared(gallery.data),
      numQuery: nq,
      numGallery: ng,
      stripes: query.stripes,
      channels: query.channels,
      aligned,
      unaligned,
      tileBytes: options.tileBytes,
    };
    let next = 0;
    let done = 0;
    const listeners: [Worker, (reply: ThreadReply) => void, (error: Error) => void][] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: unknown) => reject(error instanceof Error ? error : new Error(String(error)));
        options.signal?.addEventListener('abort', () => fail(options.signal?.reason), { once: true });
        const give = (worker: Worker) => {
          if (next >= ng || options.signal?.aborted) return;
          const gallery = [next, Math.min(ng, next + perRange)] as const;
          next = gallery[1];
          worker.postMessage({ gallery } satisfies ThreadRequest);
        };
        for (const worker of this.workers) {
          const onMessage = (reply: ThreadReply) => {
            if ('error' in reply) fail(new Error(`local-distance thread: ${reply.error}`));
            else if ('ready' in reply) give(worker);
            else {
              done += reply.done[1] - reply.done[0];
              options.onProgress?.(done, ng);
              if (done === ng) resolve();
              else give(worker);
            }
          };
          worker.on('message', onMessage);
          worker.on('error', fail);
          listeners.push([worker, onMessage, fail]);
          worker.postMessage({ setup } satisfies ThreadRequest);
        }
      });
    } catch (error) {
      // Threads may still be on a range of the abandoned problem: they are not reusable.
      await this.close();
      throw error;
    } finally {
      for (const [worker, onMessage, onError] of listeners) {
        worker.off('message', onMessage);
        worker.off('error', onError);
      }
    }
    return { aligned: matrix(aligned), unaligned: matrix(unaligned) };
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.terminate()));
  }
}

/** One problem on fresh threads (see LocalDistanceThreads to keep them between problems). */
export async function computeLocalDistancesInThreads(
  query: StripeFeatures,
  gallery: StripeFeatures,
  options: ParallelLocalDistanceOptions = {},
): Promise<LocalDistances> {
  const threads = LocalDistanceThreads.start(
    Math.min(options.threads ?? availableParallelism(), Math.max(1, query.count)),
  );
  try {
    return await threads.compute(query, gallery, options);
  } finally {
    await threads.close();
  }
}
