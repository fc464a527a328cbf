/**
 * One thread of `startLocalDistanceThreads`: its own tfjs-wasm (tfjs runs wasm single-threaded in Node),
 * gallery ranges handed to it one message at a time (`rangeHandler`).
 */
import './relaxed-simd';
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { rangeHandler } from '../../src/core/reid/local-distance-range';

const port = parentPort;
if (!port) throw new Error('local-distance-thread: run me as a worker thread');

/** Started once, at load: a second setBackend racing the first makes one of them fail silently. */
const backendReady = tf.setBackend('wasm').then(async (started) => {
  if (!started) throw new Error('could not start tfjs-wasm in a worker thread');
  await tf.ready();
});

port.on(
  'message',
  rangeHandler(backendReady, (reply) => port.postMessage(reply)),
);
