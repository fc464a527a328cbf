/**
 * A tiny framework for our own kernels on tfjs: one kernel name, a WGSL program for the 'webgpu' backend,
 * and a CPU reference in TypeScript that every other backend runs. Registering through tfjs's kernel registry
 * (instead of calling `runWebGPUProgram` by hand) lets `tf.tidy` track the outputs and gradients attach to the
 * kernel name.
 */
import * as tf from '@tensorflow/tfjs';
// Type-only: core code must not load the WebGPU backend just to register a kernel for it.
import type { WebGPUBackend, WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** The uniform values a program declares in its `uniforms` string, in the same order. */
export type ProgramUniforms = NonNullable<Parameters<WebGPUBackend['runWebGPUProgram']>[3]>;

/** Host-side float32 data with its shape: what a CPU reference reads and returns. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly values: Float32Array;
}

/** A WGSL program ready to run, with the values for the uniforms it declares. */
export interface WebGPUProgramRun {
  readonly program: WebGPUProgram;
  readonly uniforms: ProgramUniforms;
}

/** Backends that run the CPU reference: they all implement `readSync` and `write`. */
export const REFERENCE_BACKENDS: readonly string[] = ['cpu', 'wasm', 'webgl'];

/**
 * One custom kernel. Inputs and output are float32; `inputNames` fixes the order in which inputs reach the
 * WGSL program (its `variableNames`) and the reference.
 */
export interface CustomKernelSpec<Attrs extends tf.NamedAttrMap> {
  readonly kernelName: string;
  readonly inputNames: readonly string[];
  /** Builds the WGSL program for these inputs; `limits` are the device's (dispatch size, workgroup size). */
  webgpuProgram(inputs: readonly tf.TensorInfo[], attrs: Attrs, limits: GPUSupportedLimits): WebGPUProgramRun;
  /** The same maths on the CPU: the definition the WGSL is tested against, and the path for other backends. */
  reference(inputs: readonly HostTensor[], attrs: Attrs): HostTensor;
  /**
   * Optional: a faster host implementation (WebAssembly SIMD) that the reference backends try first. `run`
   * returns null for inputs it does not take, and the reference runs instead.
   */
  readonly host?: {
    available(): boolean;
    run(inputs: readonly HostTensor[], attrs: Attrs): HostTensor | null;
  };
}

/**
 * Which implementation a backend uses for a custom kernel, for diagnostics ('wasm-simd': the spec's host
 * implementation, for the inputs it takes; the reference otherwise).
 */
export type CustomKernelPath = 'wgsl' | 'wasm-simd' | 'cpu-reference' | 'unregistered';

const registeredPaths = new Map<string, Map<string, CustomKernelPath>>();
const hostAvailable = new Map<string, () => boolean>();

/**
 * Registers `spec` for 'webgpu' (WGSL) and for every backend in REFERENCE_BACKENDS (CPU reference), whether or
 * not those backends are loaded yet. Idempotent: a backend that already has a kernel of this name keeps it.
 */
export function registerCustomKernel<Attrs extends tf.NamedAttrMap>(spec: CustomKernelSpec<Attrs>): void {
  const paths = registeredPaths.get(spec.kernelName) ?? new Map<string, CustomKernelPath>();
  registeredPaths.set(spec.kernelName, paths);
  if (spec.host) hostAvailable.set(spec.kernelName, () => spec.host?.available() ?? false);
  const register = (backendName: string, path: CustomKernelPath, kernelFunc: tf.KernelFunc): void => {
    if (!tf.getKernel(spec.kernelName, backendName)) {
      tf.registerKernel({ kernelName: spec.kernelName, backendName, kernelFunc });
    }
    paths.set(backendName, path);
  };
  register('webgpu', 'wgsl', (args) => runWgsl(spec, args));
  for (const backendName of REFERENCE_BACKENDS) {
    register(backendName, 'cpu-reference', (args) => runReference(spec, args));
  }
}

/** The implementation `backendName` runs for `kernelName` (defaults to the active backend). */
export function customKernelPath(
  kernelName: string,
  backendName: string = tf.getBackend(),
): CustomKernelPath {
  const path = registeredPaths.get(kernelName)?.get(backendName) ?? 'unregistered';
  return path === 'cpu-reference' && hostAvailable.get(kernelName)?.() ? 'wasm-simd' : path;
}

type KernelArgs = Parameters<tf.KernelFunc>[0];

function orderedInputs(spec: { kernelName: string; inputNames: readonly string[] }, args: KernelArgs) {
  return spec.inputNames.map((name) => {
    const input = args.inputs[name];
    if (!input) throw new Error(`${spec.kernelName}: missing input '${name}'`);
    return input;
  });
}

function runWgsl<Attrs extends tf.NamedAttrMap>(
  spec: CustomKernelSpec<Attrs>,
  args: KernelArgs,
): tf.TensorInfo {
  const backend = args.backend as WebGPUBackend;
  const inputs = orderedInputs(spec, args);
  const { program, uniforms } = spec.webgpuProgram(inputs, args.attrs as Attrs, backend.device.limits);
  return backend.runWebGPUProgram(program, inputs, 'float32', uniforms);
}

function runReference<Attrs extends tf.NamedAttrMap>(
  spec: CustomKernelSpec<Attrs>,
  args: KernelArgs,
): tf.TensorInfo {
  const host = readHostInputs(spec, args);
  const out = spec.host?.run(host, args.attrs as Attrs) ?? spec.reference(host, args.attrs as Attrs);
  return writeHostTensor(args.backend as tf.KernelBackend, out);
}

/**
 * A host-memory kernel's inputs, in `inputNames` order, read back as float32 with their shapes: for kernels
 * run on the host (the references here, and host-only kernels such as GroupNorm's fused gradient).
 */
export function readHostInputs(
  spec: { kernelName: string; inputNames: readonly string[] },
  args: KernelArgs,
): HostTensor[] {
  const backend = args.backend as tf.KernelBackend;
  return orderedInputs(spec, args).map((input) => ({
    shape: input.shape,
    values: toFloat32(backend.readSync(input.dataId), spec.kernelName),
  }));
}

/** Hands `out` to `backend` as a new float32 tensor. */
export function writeHostTensor(backend: tf.KernelBackend, out: HostTensor): tf.TensorInfo {
  // `write`, not `makeTensorInfo`: the wasm backend has no makeTensorInfo; every backend has write.
  const shape = [...out.shape];
  const dataId = backend.write(out.values, shape, 'float32');
  return { dataId, shape, dtype: 'float32' };
}

function toFloat32(values: tf.BackendValues, kernelName: string): Float32Array {
  if (values instanceof Float32Array) return values;
  throw new Error(`${kernelName}: expected float32 input data, got ${values.constructor.name}`);
}
