/**
 * Backend start-up shared by the browser worker and Node: WebGPU, else WebGL, else wasm, else cpu.
 * Every backend that is skipped leaves a note saying why, so the UI can tell the user what runs and why.
 */
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-webgpu';
import { getThreadsCount, setThreadsCount, setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

import { BACKEND_NAMES, type BackendName } from './backend-names';

export { BACKEND_NAMES, type BackendName, isBackendName } from './backend-names';

export interface AdapterSummary {
  vendor: string;
  architecture: string;
  description: string;
  /** The limits that decide how large a job may be. */
  maxStorageBufferBindingSize: number;
  maxBufferSize: number;
  maxComputeWorkgroupsPerDimension: number;
  maxComputeInvocationsPerWorkgroup: number;
  maxStorageBuffersPerShaderStage: number;
  features: string[];
}

export interface BackendInfo {
  name: BackendName;
  /** The backend asked for (URL or CLI flag), when one was. */
  requested: BackendName | null;
  /** One line per backend tried before the one that runs, saying why it was skipped. */
  skipped: { name: BackendName; reason: string }[];
  adapter: AdapterSummary | null;
  /** wasm only: SIMD, whether this context allows threads (cross-origin isolation), and threads in use. */
  wasm: { simd: boolean; threadsSupported: boolean; threads: number } | null;
}

export interface InitBackendOptions {
  /** Try this one first; the usual order follows if it fails. */
  preferred?: BackendName | null;
  /** The order to try (default webgpu, webgl, wasm, cpu). Node callers usually pass ['wasm', 'cpu']. */
  order?: readonly BackendName[];
  /** Where the tfjs wasm binaries are served (the browser build passes bundler URLs). */
  wasmPaths?: Partial<
    Record<
      'tfjs-backend-wasm.wasm' | 'tfjs-backend-wasm-simd.wasm' | 'tfjs-backend-wasm-threaded-simd.wasm',
      string
    >
  >;
  /** Threads for wasm (XNNPACK); defaults to the core count when threads are available. */
  wasmThreads?: number;
}

const ADAPTER_TIMEOUT_MS = 10_000;

/** Why a backend cannot even be attempted here, or null when it can. */
async function precheck(name: BackendName): Promise<string | null> {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  if (name === 'webgpu') {
    if (!nav?.gpu) {
      return 'WebGPU is not available here (navigator.gpu is missing: the browser lacks WebGPU, it is disabled, or the page is not a secure context).';
    }
    // Some drivers never answer requestAdapter; a stalled start-up is worse than a fallback.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), ADAPTER_TIMEOUT_MS);
    });
    const adapter = await Promise.race([nav.gpu.requestAdapter().catch(() => null), timeout]);
    clearTimeout(timer);
    if (adapter === 'timeout')
      return `WebGPU did not grant an adapter within ${ADAPTER_TIMEOUT_MS / 1000} s.`;
    if (!adapter)
      return 'WebGPU is present but no GPU adapter was granted (GPU blocked, disabled or unsupported).';
  }
  if (name === 'webgl') {
    if (typeof OffscreenCanvas === 'undefined' && typeof document === 'undefined') {
      return 'WebGL needs a canvas (OffscreenCanvas), which this environment lacks.';
    }
  }
  if (!tf.findBackendFactory(name)) return `the ${name} backend is not registered in this build.`;
  return null;
}

async function trySetBackend(name: BackendName): Promise<string | null> {
  const why = await precheck(name);
  if (why) return why;
  try {
    // setBackend swallows init errors and returns false; capture the console noise as the reason.
    const ok = await tf.setBackend(name);
    if (!ok) return `the ${name} backend failed to initialise.`;
    await tf.ready();
    return null;
  } catch (e) {
    return `the ${name} backend failed to initialise: ${(e as Error).message}`;
  }
}

function adapterSummary(): AdapterSummary | null {
  if (tf.getBackend() !== 'webgpu') return null;
  const backend = tf.backend() as unknown as {
    device: GPUDevice;
    adapterInfo?: { vendor?: string; architecture?: string; description?: string };
  };
  const limits = backend.device.limits;
  const info = backend.adapterInfo ?? {};
  return {
    vendor: info.vendor || 'unknown',
    architecture: info.architecture || 'unknown',
    description: info.description || '',
    maxStorageBufferBindingSize: limits.maxStorageBufferBindingSize,
    maxBufferSize: limits.maxBufferSize,
    maxComputeWorkgroupsPerDimension: limits.maxComputeWorkgroupsPerDimension,
    maxComputeInvocationsPerWorkgroup: limits.maxComputeInvocationsPerWorkgroup,
    maxStorageBuffersPerShaderStage: limits.maxStorageBuffersPerShaderStage,
    features: [...backend.device.features].map(String).sort(),
  };
}

export async function initBackend(options: InitBackendOptions = {}): Promise<BackendInfo> {
  const base = options.order ?? BACKEND_NAMES;
  const preferred = options.preferred ?? null;
  const order = preferred ? [preferred, ...base.filter((n) => n !== preferred)] : [...base];
  if (options.wasmPaths) setWasmPaths(options.wasmPaths);
  if (options.wasmThreads) setThreadsCount(options.wasmThreads);

  const skipped: BackendInfo['skipped'] = [];
  for (const name of order) {
    const why = await trySetBackend(name);
    if (why) {
      skipped.push({ name, reason: why });
      continue;
    }
    const wasm =
      name === 'wasm'
        ? {
            simd: Boolean(await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')),
            threadsSupported: Boolean(await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT')),
            threads: getThreadsCount(),
          }
        : null;
    return { name, requested: preferred, skipped, adapter: adapterSummary(), wasm };
  }
  throw new Error(`No tfjs backend could start: ${skipped.map((s) => `${s.name}: ${s.reason}`).join(' ')}`);
}

export interface MemoryStats {
  numTensors: number;
  numBytes: number;
  /** WebGPU/WebGL only: bytes of live tensors on the GPU. */
  numBytesInGPU: number | null;
  /** WebGPU/WebGL only: bytes the backend holds on the GPU, including its pool of freed buffers. */
  numBytesAllocatedInGPU: number | null;
}

export function memoryStats(): MemoryStats {
  const m = tf.memory() as tf.MemoryInfo & {
    numBytesInGPU?: number;
    numBytesInGPUAllocated?: number;
    numBytesAllocatedInGPU?: number;
  };
  return {
    numTensors: m.numTensors,
    numBytes: m.numBytes,
    numBytesInGPU: m.numBytesInGPU ?? null,
    numBytesAllocatedInGPU: m.numBytesAllocatedInGPU ?? m.numBytesInGPUAllocated ?? null,
  };
}
