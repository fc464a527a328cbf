/**
 * Which computation `computeLocalDistances` takes on the active backend, in words, for a status line or a
 * benchmark row: what a researcher needs to read a timing.
 */
import * as tf from '@tensorflow/tfjs';
import { bestKernelBuild } from './local-distance-gram-wasm';
import { cpuLocalDistanceMethod } from './local-distance-tiled';

export function localDistancePathName(stripes: number): string {
  if (tf.getBackend() === 'webgpu') return 'WGSL kernel';
  const build = bestKernelBuild();
  if (build === null) return 'matmul + plain-JS transform';
  const kernel = cpuLocalDistanceMethod(stripes) === 'fused' ? 'fused SIMD kernel' : 'matmul + SIMD kernel';
  return `${kernel}, ${build === 'relaxed' ? 'relaxed SIMD' : 'plain SIMD'}`;
}
