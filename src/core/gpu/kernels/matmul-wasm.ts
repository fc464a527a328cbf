/**
 * `BatchMatMul` for the wasm backend as 1x1 convolutions, which XNNPACK runs an order of magnitude faster
 * than tfjs 4.22's own wasm matmul (measured here: ~1.3 GFLOP/s for the matmul, ~18 GFLOP/s for a conv of
 * the same size; its transposed variants, which every gradient uses, are 5x slower again). A [M, K] x [K, N]
 * product is conv2d(input [1, 1, M, K], filter [1, 1, K, N]), and a batch of left operands sharing one right
 * operand (linear layers, batch-1 attention) is still one convolution. A batch of distinct right operands
 * (batched attention) becomes one convolution per entry when the entries are large, and keeps tfjs'
 * kernel when they are small (see PER_ENTRY_MIN_MACS).
 */
import * as tf from '@tensorflow/tfjs';
// The wasm backend registers its own kernels when its module runs: importing it here makes it run before
// ours replace them, whatever order an entry point imports the two in (a worker thread that imported this
// module first kept tfjs' scalar-loop input gradient and slow matmul, ~3x slower per image than the main thread).
import '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

interface MatMulAttrs {
  transposeA: boolean;
  transposeB: boolean;
}

let enabled = true;

/**
 * A batch of distinct right operands runs as one convolution per entry from this many multiply-adds per
 * entry (the 35.7M UNet's 256-token attention at batch 16: 16.8M); below it, XNNPACK's per-operator set-up
 * outweighs the gain and tfjs' kernel stays.
 */
const PER_ENTRY_MIN_MACS = 1 << 18;

/** Switches between the conv-backed path and tfjs' own kernel, so a benchmark can time both in one run. */
export function setWasmMatMulViaConv(on: boolean): void {
  enabled = on;
}

/** Marks our registration so a second call does not wrap it again. */
const WRAPPED = Symbol('ddae-wasm-matmul');

function makeBatchMatMul(original: tf.KernelFunc) {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const { a, b } = args.inputs as { a: TensorInfo; b: TensorInfo };
    const { transposeA, transposeB } = args.attrs as unknown as MatMulAttrs;
    const batchShapeA = a.shape.slice(0, -2);
    const batchShapeB = b.shape.slice(0, -2);
    const batchA = batchShapeA.reduce((x, y) => x * y, 1);
    const batchB = batchShapeB.reduce((x, y) => x * y, 1);
    const [rowsA, colsA] = a.shape.slice(-2);
    const [rowsB, colsB] = b.shape.slice(-2);
    const m = transposeA ? colsA : rowsA;
    const k = transposeA ? rowsA : colsA;
    const n = transposeB ? rowsB : colsB;
    const perEntry = batchB > 1 && batchA === batchB && m * n * k >= PER_ENTRY_MIN_MACS;
    if (!enabled || (batchB !== 1 && !perEntry) || a.dtype !== 'float32' || b.dtype !== 'float32')
      return original(args as never);
    const backend = args.backend as WasmBackendLike;
    const owned: TensorInfo[] = [];
    const run = (name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>) => {
      const kernel = tf.getKernel(name, 'wasm');
      if (!kernel) throw new Error(`the wasm backend has no ${name} kernel`);
      const out = kernel.kernelFunc({
        inputs,
        backend: backend as unknown as tf.KernelBackend,
        attrs: attrs as tf.NamedAttrMap,
      }) as TensorInfo;
      owned.push(out);
      return out;
    };
    // Conv input [batch, 1, M, K] and filters [1, 1, K, N] per batch entry.
    let a3 = run('Reshape', { x: a }, { shape: [batchA, rowsA, colsA] });
    if (transposeA) a3 = run('Transpose', { x: a3 }, { perm: [0, 2, 1] });
    let b3 = run('Reshape', { x: b }, { shape: [batchB, rowsB, colsB] });
    if (transposeB) b3 = run('Transpose', { x: b3 }, { perm: [0, 2, 1] });
    const conv = (x: TensorInfo, filter: TensorInfo) =>
      run(
        'Conv2D',
        { x, filter },
        { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
      );
    let result: TensorInfo;
    if (perEntry) {
      // Distinct right operands, each large enough that one convolution per entry beats tfjs' kernel.
      const entries = Array.from({ length: batchA }, (_, i) => {
        const ai = run('Slice', { x: a3 }, { begin: [i, 0, 0], size: [1, m, k] });
        const bi = run('Slice', { x: b3 }, { begin: [i, 0, 0], size: [1, k, n] });
        return conv(
          run('Reshape', { x: ai }, { shape: [1, 1, m, k] }),
          run('Reshape', { x: bi }, { shape: [1, 1, k, n] }),
        );
      });
      // tfjs' Concat kernels take their inputs as an array.
      result = run('Concat', entries as unknown as Record<string, TensorInfo>, { axis: 0 });
    } else {
      // Every row of every batch entry is one pixel of a single 1x1 convolution.
      const x = run('Reshape', { x: a3 }, { shape: [1, 1, batchA * m, k] });
      result = conv(x, run('Reshape', { x: b3 }, { shape: [1, 1, k, n] }));
    }
    const out = run('Reshape', { x: result }, { shape: [...batchShapeA, m, n] });
    // Every handle is released once; `out` is the one tfjs keeps (wasm's Reshape shares the buffer).
    for (const t of owned) if (t !== out) backend.disposeData(t.dataId);
    return out;
  };
}

/** Whether the wasm backend's BatchMatMul is ours (installed after the backend registered its own). */
export function wasmMatMulInstalled(): boolean {
  const current = tf.getKernel('BatchMatMul', 'wasm') as
    | (tf.KernelConfig & { [WRAPPED]?: boolean })
    | undefined;
  return current?.[WRAPPED] === true;
}

/** Installs the conv-backed BatchMatMul on 'wasm'; idempotent. */
export function registerWasmMatMul(): void {
  const current = tf.getKernel('BatchMatMul', 'wasm') as
    | (tf.KernelConfig & { [WRAPPED]?: boolean })
    | undefined;
  if (!current || current[WRAPPED]) return;
  tf.unregisterKernel('BatchMatMul', 'wasm');
  tf.registerKernel({
    kernelName: 'BatchMatMul',
    backendName: 'wasm',
    kernelFunc: makeBatchMatMul(current.kernelFunc) as unknown as tf.KernelFunc,
    // The original binds its wasm function at backend set-up; the fallback path still needs it.
    setupFunc: current.setupFunc,
    [WRAPPED]: true,
  } as tf.KernelConfig);
}

registerWasmMatMul();
