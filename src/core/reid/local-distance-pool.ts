/**
 * The local distances on every core: workers (the CLIs' Node worker threads; any runtime with
 * SharedArrayBuffer could add its own `RangeWorker`), each with its own single-threaded tfjs-wasm, take
 * ranges of the gallery from a queue (the faster one takes more on a shared machine) and compute them by
 * the fastest CPU path (`cpuLocalDistanceMethod`) into shared result matrices. Ranges of the gallery
 * rather than of the queries: a gallery tile costs a layout change, norms and an upload to prepare and a
 * query tile costs nothing, so each gallery image is prepared once, however many ranges there are.
 */
import { checkComparable, isOneSet, type StripeFeatures } from './features';
import type { RangeReply, RangeRequest, RangeSetup } from './local-distance-range';
import type { LocalDistances } from './local-distance-reference';
import { mirrorUpperTriangle } from './local-distance-tiled';

/** A worker running `rangeHandler`, whichever runtime it lives in. */
export interface RangeWorker {
  post(request: RangeRequest): void;
  /** Starts listening for replies and errors; returns the function that stops it. */
  listen(onReply: (reply: RangeReply) => void, onError: (error: Error) => void): () => void;
  terminate(): Promise<unknown> | undefined;
}

export interface PoolComputeOptions {
  /**
   * Gallery images per range (default: sixteen ranges per worker, at least 64 images, a multiple of 4): small
   * ranges keep every worker busy to the end (four per worker left one idle for ~10% of a run).
   */
  readonly galleryPerRange?: number;
  readonly unaligned?: boolean;
  /** Bytes per Gram tile in each worker (default: computeLocalDistances' GRAM_TILE_BYTES). */
  readonly tileBytes?: number;
  /** The CPU method each worker runs (default: the fastest that fits, `cpuLocalDistanceMethod`). */
  readonly method?: 'gram' | 'fused';
  /** Called after each range with the gallery images done and the total. */
  readonly onProgress?: (done: number, total: number) => void;
  readonly signal?: AbortSignal;
}

function shared(data: Float32Array): SharedArrayBuffer {
  const buffer = new SharedArrayBuffer(data.byteLength);
  new Float32Array(buffer).set(data);
  return buffer;
}

/** Workers kept between problems (starting one loads tfjs-wasm: a second or two). */
export class LocalDistancePool {
  /**
   * Each worker's SIMD kernel build, as it reported when it acknowledged a setup (null before that, or
   * without SIMD; a worker a small problem finished without may not have reported yet).
   */
  readonly kernelBuilds: ('relaxed' | 'plain' | null)[];

  constructor(private readonly workers: RangeWorker[]) {
    this.kernelBuilds = workers.map(() => null);
  }

  get size(): number {
    return this.workers.length;
  }

  /**
   * The aligned and unaligned local distances of every query × gallery pair, as `computeLocalDistances`;
   * one set as both (the same `data`) computes about half the pairs. After an abort or an error the
   * workers are closed (they may still be on a range) and the pool is empty.
   */
  async compute(
    query: StripeFeatures,
    gallery: StripeFeatures,
    options: PoolComputeOptions = {},
  ): Promise<LocalDistances> {
    checkComparable('LocalDistancePool.compute', query, gallery);
    options.signal?.throwIfAborted();
    if (this.workers.length === 0) throw new Error('LocalDistancePool: no workers (closed after an abort?)');
    const nq = query.count;
    const ng = gallery.count;
    const symmetric = isOneSet(query, gallery);
    const withUnaligned = options.unaligned ?? true;
    // Multiples of 4 keep the SIMD kernel's gallery tiles free of padding.
    const perRange =
      options.galleryPerRange ?? Math.max(64, Math.ceil(ng / (this.workers.length * 16) / 4) * 4);
    const aligned = new SharedArrayBuffer(nq * ng * 4);
    const unaligned = withUnaligned ? new SharedArrayBuffer(nq * ng * 4) : null;
    const matrix = (buffer: SharedArrayBuffer | null) => ({
      rows: nq,
      cols: ng,
      data: buffer ? new Float32Array(buffer) : new Float32Array(0),
    });
    if (nq === 0 || ng === 0) return { aligned: matrix(aligned), unaligned: matrix(unaligned) };

    const gallerySet = shared(gallery.data);
    const setup: RangeSetup = {
      query: symmetric ? gallerySet : shared(query.data),
      gallery: gallerySet,
      numQuery: nq,
      numGallery: ng,
      stripes: query.stripes,
      channels: query.channels,
      aligned,
      unaligned,
      symmetric,
      tileBytes: options.tileBytes,
      method: options.method,
    };
    let next = 0;
    let done = 0;
    const stops: (() => void)[] = [];
    try {
      await new Promise<void>((resolve, reject) => {
        const fail = (error: unknown) => reject(error instanceof Error ? error : new Error(String(error)));
        options.signal?.addEventListener('abort', () => fail(options.signal?.reason), { once: true });
        const give = (worker: RangeWorker) => {
          if (next >= ng || options.signal?.aborted) return;
          const range = [next, Math.min(ng, next + perRange)] as const;
          next = range[1];
          worker.post({ gallery: range });
        };
        this.workers.forEach((worker, w) => {
          const onReply = (reply: RangeReply) => {
            if ('error' in reply) fail(new Error(`local-distance worker: ${reply.error}`));
            else if ('ready' in reply) {
              this.kernelBuilds[w] = reply.kernelBuild;
              give(worker);
            } else {
              done += reply.done[1] - reply.done[0];
              options.onProgress?.(done, ng);
              if (done === ng) resolve();
              else give(worker);
            }
          };
          stops.push(worker.listen(onReply, fail));
          worker.post({ setup });
        });
      });
    } catch (error) {
      await this.close();
      throw error;
    } finally {
      for (const stop of stops) stop();
    }
    const result = { aligned: matrix(aligned), unaligned: matrix(unaligned) };
    if (symmetric) {
      mirrorUpperTriangle(result.aligned.data, nq);
      if (withUnaligned) mirrorUpperTriangle(result.unaligned.data, nq);
    }
    return result;
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.splice(0).map((worker) => worker.terminate()));
  }
}
