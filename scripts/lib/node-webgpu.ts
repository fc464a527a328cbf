/**
 * Gives Node a `navigator.gpu` through the `webgpu` npm package (Dawn), on SwiftShader's Vulkan ICD that
 * Debian's chromium package ships, so tfjs-backend-webgpu and our WGSL kernels run in Vitest without a
 * browser or a GPU. Needs the system Vulkan loader (Debian: libvulkan1); `.ci/run` installs both.
 */
import { tmpdir } from 'node:os';
import * as tf from '@tensorflow/tfjs';

const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

let ready: Promise<void> | null = null;

/** Makes 'webgpu' the active tfjs backend in this Node process, or throws with what is missing. */
export function startNodeWebGPU(): Promise<void> {
  ready ??= (async () => {
    process.env.VK_ICD_FILENAMES ??= SWIFTSHADER_ICD;
    // SwiftShader's Wayland probe complains without it; any writable directory quiets it.
    process.env.XDG_RUNTIME_DIR ??= tmpdir();
    const { create, globals } = await import('webgpu');
    Object.assign(globalThis, globals);
    Object.defineProperty(globalThis, 'navigator', {
      value: { gpu: create([]) },
      configurable: true,
      writable: true,
    });
    // tfjs registers 'webgpu' only if navigator.gpu existed when the package was first imported;
    // register it here when an earlier import missed it.
    const { WebGPUBackend } = await import('@tensorflow/tfjs-backend-webgpu');
    if (!tf.findBackendFactory('webgpu')) {
      tf.registerBackend('webgpu', async () => {
        const adapter = await navigator.gpu.requestAdapter();
        if (!adapter) throw new Error('no WebGPU adapter');
        const limits = adapter.limits;
        const device = await adapter.requestDevice({
          requiredLimits: {
            maxComputeWorkgroupStorageSize: limits.maxComputeWorkgroupStorageSize,
            maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
            maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
            maxBufferSize: limits.maxBufferSize,
            maxComputeWorkgroupSizeX: limits.maxComputeWorkgroupSizeX,
            maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
          },
        });
        return new WebGPUBackend(device, adapter.info);
      });
    }
    const okSet = await tf.setBackend('webgpu');
    if (!okSet) {
      throw new Error(
        `tfjs could not start WebGPU in Node. Install Debian's chromium (SwiftShader at ${SWIFTSHADER_ICD}) and libvulkan1.`,
      );
    }
  })();
  return ready;
}
