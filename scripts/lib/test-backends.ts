/** Switches tfjs in a Vitest process to a named backend: cpu, wasm, or webgpu (SwiftShader through Dawn). */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { BackendName } from '../../src/core/gpu/backend';
import { startNodeWebGPU } from './node-webgpu';

export async function switchBackend(name: Exclude<BackendName, 'webgl'>): Promise<void> {
  if (name === 'webgpu') return startNodeWebGPU();
  if (!(await tf.setBackend(name))) throw new Error(`could not start the ${name} backend`);
  await tf.ready();
}
