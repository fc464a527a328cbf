/**
 * One thread of `computeLocalDistancesInThreads`: its own tfjs-wasm (tfjs runs wasm single-threaded in
 * Node), the features and the result matrices shared with the other threads, and gallery ranges handed to
 * it one message at a time.
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { stripeFeatures } from '../../src/core/reid/features';
import { computeLocalDistances } from '../../src/core/reid/local-distance-tiled';

export interface ThreadSetup {
  readonly query: SharedArrayBuffer;
  readonly gallery: SharedArrayBuffer;
  readonly numQuery: number;
  readonly numGallery: number;
  readonly stripes: number;
  readonly channels: number;
  readonly aligned: SharedArrayBuffer;
  /** Null when the unaligned distances are not wanted. */
  readonly unaligned: SharedArrayBuffer | null;
  /** Bytes per Gram tile (default: computeLocalDistances' GRAM_TILE_BYTES). */
  readonly tileBytes?: number;
}

export type ThreadRequest = { setup: ThreadSetup } | { gallery: readonly [number, number] };
export type ThreadReply = { ready: true } | { done: readonly [number, number] } | { error: string };

const port = parentPort;
if (!port) throw new Error('local-distance-thread: run me as a worker thread');

/** Started once, at load: a second setBackend racing the first makes one of them fail silently. */
const backendReady = tf.setBackend('wasm').then(async (started) => {
  if (!started) throw new Error('could not start tfjs-wasm in a worker thread');
  await tf.ready();
});

let setup: ThreadSetup | null = null;
// Ranges run one after another; the parent sends the next one when this one is done.
port.on('message', async (request: ThreadRequest) => {
  try {
    if ('setup' in request) {
      setup = request.setup;
      await backendReady;
      port.postMessage({ ready: true } satisfies ThreadReply);
      return;
    }
    if (!setup) throw new Error('local-distance-thread: a range before setup');
    const { numQuery: nq, numGallery: ng, stripes: h, channels: c } = setup;
    const [g0, g1] = request.gallery;
    const cols = g1 - g0;
    const query = stripeFeatures(new Float32Array(setup.query), nq, h, c);
    const gallery = stripeFeatures(new Float32Array(setup.gallery, g0 * h * c * 4, cols * h * c), cols, h, c);
    const result = await computeLocalDistances(query, gallery, {
      method: 'gram',
      unaligned: setup.unaligned !== null,
      maxBufferBytes: setup.tileBytes,
    });
    // [nq, cols] into columns g0..g1 of the shared [nq, ng] matrices.
    const place = (from: Float32Array, shared: SharedArrayBuffer) => {
      const to = new Float32Array(shared);
      for (let q = 0; q < nq; q++) to.set(from.subarray(q * cols, (q + 1) * cols), q * ng + g0);
    };
    place(result.aligned.data, setup.aligned);
    if (setup.unaligned) place(result.unaligned.data, setup.unaligned);
    port.postMessage({ done: [g0, g1] } satisfies ThreadReply);
  } catch (error) {
    port.postMessage({ error: error instanceof Error ? error.message : String(error) } satisfies ThreadReply);
  }
});
