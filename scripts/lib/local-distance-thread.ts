/**
 * One thread of `startLocalDistanceThreads`: its own tfjs-wasm (tfjs runs wasm single-threaded in Node),
 * gallery ranges handed to it one message at a time (`rangeHandler`).
 */
import './relaxed-simd';
import { rangeHandler } from '../../src/core/reid/local-distance-range';
import { wasmThread } from './tsx-worker';

const { port, backendReady } = wasmThread('local-distance-thread');
port.on(
  'message',
  rangeHandler(backendReady, (reply) => port.postMessage(reply)),
);
