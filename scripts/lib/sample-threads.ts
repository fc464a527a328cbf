/**
 * `drawSamples` on Node worker threads for `npm run evaluate`: tfjs runs wasm on one thread in Node, so
 * each thread loads the network into its own tfjs-wasm and draws whole batches, taking the next one as it
 * finishes. A batch depends only on its first index, so the images are those one thread would draw.
 */

import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { SamplerSpec } from '../../src/core/diffusion/samplers';
import { askWorker, startTsxWorker } from './tsx-worker';

export type SampleRequest =
  | { kind: 'setup'; checkpoint: Uint8Array; name: string; sampler: SamplerSpec; seed: number }
  | { kind: 'batch'; first: number; size: number };

export type SampleReply =
  | { kind: 'ready' }
  | { kind: 'batch'; first: number; images: Float32Array }
  | { kind: 'error'; message: string };

export interface ThreadedSamplesOptions {
  /** The checkpoint's bytes (what `denoiserFromCheckpoint` reads) and its name for messages. */
  checkpoint: Uint8Array;
  name: string;
  sampler: SamplerSpec;
  count: number;
  batch: number;
  seed: number;
  /** Image size (h * w * c) of the network. */
  imageSize: number;
  threads?: number;
  /** After each batch: images done so far. */
  onBatch?: (done: number) => void;
}

function startThread(): Worker {
  return startTsxWorker(new URL('./sample-thread.ts', import.meta.url));
}

const ask = (worker: Worker, request: SampleRequest) =>
  askWorker<SampleReply>(worker, request, 'a sampling thread failed: ');

/** The same images as `drawSamples` with these options, drawn by `threads` worker threads. */
export async function drawSamplesInThreads(options: ThreadedSamplesOptions): Promise<Float32Array> {
  const { count, imageSize, onBatch } = options;
  const batch = Math.max(1, Math.min(options.batch, count));
  const firsts = Array.from({ length: Math.ceil(count / batch) }, (_, k) => k * batch);
  const threads = Math.max(1, Math.min(options.threads ?? availableParallelism(), firsts.length));
  const workers = Array.from({ length: threads }, startThread);
  const images = new Float32Array(count * imageSize);
  let done = 0;
  try {
    await Promise.all(
      workers.map(async (worker) => {
        await ask(worker, {
          kind: 'setup',
          checkpoint: options.checkpoint,
          name: options.name,
          sampler: options.sampler,
          seed: options.seed,
        });
        for (let first = firsts.shift(); first !== undefined; first = firsts.shift()) {
          const size = Math.min(batch, count - first);
          const reply = await ask(worker, { kind: 'batch', first, size });
          if (reply.kind !== 'batch') throw new Error('a sampling thread sent no images');
          images.set(reply.images, first * imageSize);
          done += size;
          onBatch?.(done);
        }
      }),
    );
  } finally {
    firsts.length = 0; // the other threads stop taking batches after a failure
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return images;
}
