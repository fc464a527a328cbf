/**
 * Our wasm kernels must win over the wasm backend's own whatever order an entry point imports the two in.
 * This file imports ours first, as the Node worker threads did (`scripts/lib/gradient-thread.ts`): before
 * the kernel modules imported the backend themselves, it then registered its scalar-loop Conv2DBackpropInput
 * over ours and ours never wrapped its BatchMatMul, so helper threads ran ~3x slower per image.
 */

import * as tf from '@tensorflow/tfjs';
import { convGradientInstalled } from './conv2d-backprop-wasm';
import { wasmMatMulInstalled } from './matmul-wasm';
import '@tensorflow/tfjs-backend-wasm';
import { describe, expect, it } from 'vitest';

describe('wasm kernel registration order', () => {
  it('keeps our input and filter gradients and our matmul when imported before the wasm backend', async () => {
    expect(convGradientInstalled('Conv2DBackpropInput', 'wasm')).toBe(true);
    expect(convGradientInstalled('Conv2DBackpropFilter', 'wasm')).toBe(true);
    expect(convGradientInstalled('Conv2DBackpropFilter', 'cpu')).toBe(true);
    expect(wasmMatMulInstalled()).toBe(true);
    // And they are the ones that run: a product on the started backend matches the cpu backend.
    expect(await tf.setBackend('wasm')).toBe(true);
    const a = tf.tensor2d([1, 2, 3, 4, 5, 6], [2, 3]);
    const b = tf.tensor2d([1, 0, 2, 1, 0, 3], [3, 2]);
    expect(Array.from(await tf.matMul(a, b).data())).toEqual([5, 11, 14, 23]);
    expect(wasmMatMulInstalled()).toBe(true);
    tf.disposeVariables();
  });
});
