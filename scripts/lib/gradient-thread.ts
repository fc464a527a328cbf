/**
 * One helper thread of `startGradientThreads`: its own tfjs-wasm and copy of the network, computing the
 * gradients of a slice of each training batch (`gradientRequestHandler`).
 */
import '../../src/core/gpu/kernels/conv2d-backprop-wasm';
import '../../src/core/gpu/kernels/matmul-wasm';
import { gradientRequestHandler } from '../../src/core/diffusion/train/gradient-helper';
import { wasmThread } from './tsx-worker';

const { port, backendReady } = wasmThread('gradient-thread');
port.on(
  'message',
  gradientRequestHandler(backendReady, (reply, transfer) => port.postMessage(reply, transfer)),
);
