/**
 * One helper thread of `startGradientThreads`: its own tfjs-wasm and copy of the network, computing the
 * gradients of a slice of each training batch (`gradientRequestHandler`).
 */
import { parentPort } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import '../../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../../src/core/gpu/kernels/matmul-wasm';
import { gradientRequestHandler } from '../../src/core/diffusion/train/gradient-helper';

const port = parentPort;
if (!port) throw new Error('gradient-thread: run me as a worker thread');

const backendReady = tf.setBackend('wasm').then(async (started) => {
  if (!started) throw new Error('could not start tfjs-wasm in a worker thread');
  await tf.ready();
});

port.on(
  'message',
  gradientRequestHandler(backendReady, (reply, transfer) => port.postMessage(reply, transfer)),
);
