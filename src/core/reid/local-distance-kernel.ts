/**
 * The local-distance op: when the kernel runs. `localDistance(query, gallery)` validates its tensors,
 * registers the kernel on first use (WGSL on webgpu, the CPU reference on cpu, wasm and webgl) and runs it
 * through the tfjs engine, so `tf.tidy` tracks the result. No gradient: it is an evaluation-time distance
 * (training differentiates its own tf-ops form).
 */
import * as tf from '@tensorflow/tfjs';
import { type CustomKernelSpec, registerCustomKernel } from '../gpu/kernels/custom-kernel';
import { LocalDistanceProgram } from './local-distance-program';
import { localDistanceValues } from './local-distance-reference';

export const LOCAL_DISTANCE_KERNEL = 'ReidLocalDistance';

type NoAttrs = Record<string, never>;

const localDistanceSpec: CustomKernelSpec<NoAttrs> = {
  kernelName: LOCAL_DISTANCE_KERNEL,
  inputNames: ['query', 'gallery'],
  webgpuProgram([query, gallery], _attrs, limits) {
    const [numQuery, stripes] = query.shape;
    return {
      program: new LocalDistanceProgram(
        numQuery,
        gallery.shape[0],
        stripes,
        limits.maxComputeWorkgroupsPerDimension,
      ),
      uniforms: [],
    };
  },
  reference([query, gallery]) {
    const [numQuery, stripes, channels] = query.shape;
    const numGallery = gallery.shape[0];
    return {
      shape: [2, numQuery, numGallery],
      values: localDistanceValues(query.values, numQuery, gallery.values, numGallery, stripes, channels),
    };
  },
};

let registered = false;

/** Registers the local-distance kernel for all backends. Idempotent; localDistance calls it. */
export function registerLocalDistance(): void {
  if (registered) return;
  registerCustomKernel(localDistanceSpec);
  registered = true;
}

/**
 * Local distances of query stripes [Q, H, c] against gallery stripes [G, H, c] as a [2, Q, G] tensor:
 * [0] the aligned (shortest-path) distance, [1] the unaligned diagonal sum. Features must be finite; one
 * call must fit the device (see `computeLocalDistances` for problems of any size).
 */
export function localDistance(query: tf.Tensor3D, gallery: tf.Tensor3D): tf.Tensor3D {
  const fail = (message: string): never => {
    throw new Error(`localDistance: ${message}`);
  };
  for (const [name, t] of [
    ['query', query],
    ['gallery', gallery],
  ] as const) {
    if (t.rank !== 3) fail(`${name} must be [count, stripes, channels], got shape [${t.shape}]`);
    if (t.dtype !== 'float32') fail(`${name} must be float32, got ${t.dtype}`);
  }
  if (query.shape[1] !== gallery.shape[1] || query.shape[2] !== gallery.shape[2]) {
    fail(`query stripes [${query.shape.slice(1)}] differ from gallery stripes [${gallery.shape.slice(1)}]`);
  }
  if (query.shape[1] < 1 || query.shape[2] < 1) fail(`need at least one stripe and one channel`);
  registerLocalDistance();
  return tf.engine().runKernel<tf.Tensor3D>(LOCAL_DISTANCE_KERNEL, { query, gallery }, {});
}
