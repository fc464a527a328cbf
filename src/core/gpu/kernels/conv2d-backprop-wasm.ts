/**
 * Convolution gradients rewritten as forward convolutions, for the backends whose own are missing or slow:
 * tfjs 4.22's wasm backend has no `Conv2DBackpropFilter` at all (no conv net can train on wasm) and its
 * `Conv2DBackpropInput` is a plain loop, 10x slower than a forward convolution of the same size (on XNNPACK);
 * the cpu backend's `Conv2DBackpropFilter` is 45x slower than its forward convolution.
 *
 * - Filter gradient: dW[kh, kw, ci, co] = Σ_{b,oh,ow} xpad[b, kh + s·oh, kw + s·ow, ci] · dy[b, oh, ow, co], which
 *   is a valid convolution of xpad^T ([Cin, Hp, Wp, B], batch as channels) with dy^T ([OH, OW, B, Cout]) as
 *   the filter, dilated by the stride.
 * - Input gradient: a valid convolution of dy (zero-spread by the stride, padded by k-1-pad) with the filter
 *   rotated by 180° and its in/out channels swapped.
 *
 * Both are composed from wasm's own kernels (pad, slice, transpose, reverse, conv2d).
 */
import * as tf from '@tensorflow/tfjs';
// The wasm backend registers its own kernels when its module runs: importing it here makes it run before
// ours replace them, whatever order an entry point imports the two in (a worker thread that imported this
// module first kept tfjs' scalar-loop input gradient and slow matmul, ~3x slower per image than the main thread).
import '@tensorflow/tfjs-backend-wasm';

type TensorInfo = tf.TensorInfo;
type Conv2DInfo = tf.backend_util.Conv2DInfo;

interface ConvGradAttrs {
  strides: [number, number] | number;
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dataFormat: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
}

interface WasmBackendLike {
  disposeData(dataId: object): boolean;
}

/** Runs a backend's kernels by name and releases every intermediate handle once (Reshape shares buffers). */
class KernelScope {
  private readonly intermediates: TensorInfo[] = [];

  constructor(
    private readonly backend: WasmBackendLike,
    private readonly backendName: string,
  ) {}

  run(name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown> = {}): TensorInfo {
    const kernel = tf.getKernel(name, this.backendName);
    if (!kernel) throw new Error(`the ${this.backendName} backend has no ${name} kernel`);
    const out = kernel.kernelFunc({
      inputs,
      backend: this.backend as unknown as tf.KernelBackend,
      attrs: attrs as tf.NamedAttrMap,
    }) as TensorInfo;
    this.intermediates.push(out);
    return out;
  }

  /** Disposes every intermediate except `result`, which the caller returns to tfjs. */
  finish(result: TensorInfo): TensorInfo {
    for (const t of this.intermediates) if (t !== result) this.backend.disposeData(t.dataId);
    return result;
  }
}

function convInfo(xShape: number[], filterShape: number[], attrs: ConvGradAttrs): Conv2DInfo {
  if (attrs.dataFormat !== 'NHWC') throw new Error('wasm convolution gradients support NHWC only');
  return tf.backend_util.computeConv2DInfo(
    xShape as [number, number, number, number],
    filterShape as [number, number, number, number],
    attrs.strides,
    1,
    attrs.pad,
    attrs.dimRoundingMode,
    false,
    'channelsLast',
  );
}

/** Pads (or crops, where the padding is negative) rows and columns of an NHWC tensor. */
function padOrCrop(
  k: KernelScope,
  x: TensorInfo,
  top: number,
  bottom: number,
  left: number,
  right: number,
): TensorInfo {
  let out = x;
  if (top > 0 || bottom > 0 || left > 0 || right > 0) {
    const paddings = [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ];
    out = k.run('PadV2', { x: out }, { paddings, constantValue: 0 });
  }
  if (top < 0 || bottom < 0 || left < 0 || right < 0) {
    const [b, h, w, c] = out.shape;
    const t0 = Math.max(0, -top);
    const l0 = Math.max(0, -left);
    const size = [b, h - t0 - Math.max(0, -bottom), w - l0 - Math.max(0, -right), c];
    out = k.run('Slice', { x: out }, { begin: [0, t0, l0, 0], size });
  }
  return out;
}

const backpropFilter =
  (backendName: string) =>
  (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const { x, dy } = args.inputs as { x: TensorInfo; dy: TensorInfo };
    const attrs = args.attrs as unknown as ConvGradAttrs & { filterShape: number[] };
    const [kh, kw] = attrs.filterShape;
    const info = convInfo(x.shape, attrs.filterShape, attrs);
    const k = new KernelScope(args.backend as WasmBackendLike, backendName);
    // Exactly the rows/columns the last tap reads: (O - 1)·s + k.
    const needH = (info.outHeight - 1) * info.strideHeight + kh;
    const needW = (info.outWidth - 1) * info.strideWidth + kw;
    const { top, left } = info.padInfo;
    const padded = padOrCrop(k, x, top, needH - x.shape[1] - top, left, needW - x.shape[2] - left);
    const xT = k.run('Transpose', { x: padded }, { perm: [3, 1, 2, 0] }); // [Cin, Hp, Wp, B]
    const dyT = k.run('Transpose', { x: dy }, { perm: [1, 2, 0, 3] }); // [OH, OW, B, Cout]
    const grad = k.run(
      'Conv2D',
      { x: xT, filter: dyT },
      {
        strides: [1, 1],
        pad: 'valid',
        dataFormat: 'NHWC',
        dilations: [info.strideHeight, info.strideWidth],
        dimRoundingMode: undefined,
      },
    ); // [Cin, KH, KW, Cout]
    return k.finish(k.run('Transpose', { x: grad }, { perm: [1, 2, 0, 3] }));
  };

function backpropInput() {
  return (args: { inputs: tf.NamedTensorInfoMap; backend: unknown; attrs?: tf.NamedAttrMap }) => {
    const { dy, filter } = args.inputs as { dy: TensorInfo; filter: TensorInfo };
    const attrs = args.attrs as unknown as ConvGradAttrs & { inputShape: number[] };
    const info = convInfo(attrs.inputShape, filter.shape, attrs);
    const [kh, kw] = filter.shape;
    const [, h, w] = attrs.inputShape;
    const { strideHeight: sh, strideWidth: sw } = info;
    const k = new KernelScope(args.backend as WasmBackendLike, 'wasm');
    // A strided convolution's input gradient is the stride-1 one over dy with s-1 zeros between its values.
    let spread = dy;
    if (sh > 1 || sw > 1) {
      const [b, oh, ow, c] = dy.shape;
      const split = k.run('Reshape', { x: dy }, { shape: [b, oh, 1, ow, 1, c] });
      const zeros = k.run(
        'PadV2',
        { x: split },
        {
          paddings: [
            [0, 0],
            [0, 0],
            [0, sh - 1],
            [0, 0],
            [0, sw - 1],
            [0, 0],
          ],
          constantValue: 0,
        },
      );
      const merged = k.run('Reshape', { x: zeros }, { shape: [b, oh * sh, ow * sw, c] });
      spread = k.run(
        'Slice',
        { x: merged },
        { begin: [0, 0, 0, 0], size: [b, (oh - 1) * sh + 1, (ow - 1) * sw + 1, c] },
      );
    }
    const top = kh - 1 - info.padInfo.top;
    const left = kw - 1 - info.padInfo.left;
    // Output rows = top + rows(spread) + bottom - kh + 1 must equal H.
    const bottom = h + kh - 1 - top - spread.shape[1];
    const right = w + kw - 1 - left - spread.shape[2];
    const padded = padOrCrop(k, spread, top, bottom, left, right);
    const rotated = k.run('Reverse', { x: filter }, { dims: [0, 1] });
    const swapped = k.run('Transpose', { x: rotated }, { perm: [0, 1, 3, 2] }); // [kh, kw, Cout, Cin]
    const dx = k.run(
      'Conv2D',
      { x: padded, filter: swapped },
      { strides: [1, 1], pad: 'valid', dataFormat: 'NHWC', dilations: [1, 1], dimRoundingMode: undefined },
    );
    return k.finish(dx);
  };
}

/** Marks our registrations so a second call does not wrap them again. */
const OURS = Symbol('ddae-conv-grad');

/** Whether `backendName`'s `kernelName` is our replacement (not the backend's own, registered after it). */
export function convGradientInstalled(kernelName: string, backendName: string): boolean {
  const current = tf.getKernel(kernelName, backendName) as
    | (tf.KernelConfig & { [OURS]?: boolean })
    | undefined;
  return current?.[OURS] === true;
}

function replaceKernel(kernelName: string, backendName: string, make: () => tf.KernelFunc) {
  if (convGradientInstalled(kernelName, backendName)) return;
  if (tf.getKernel(kernelName, backendName)) tf.unregisterKernel(kernelName, backendName);
  tf.registerKernel({
    kernelName,
    backendName,
    kernelFunc: make(),
    [OURS]: true,
  } as tf.KernelConfig);
}

/**
 * Installs the filter gradient on 'wasm' and 'cpu' and the input gradient on 'wasm' (cpu's own is
 * only 2x slower than its forward convolution); idempotent.
 */
export function registerConvGradients(): void {
  for (const backendName of ['wasm', 'cpu']) {
    replaceKernel(
      'Conv2DBackpropFilter',
      backendName,
      () => backpropFilter(backendName) as unknown as tf.KernelFunc,
    );
  }
  replaceKernel('Conv2DBackpropInput', 'wasm', () => backpropInput() as unknown as tf.KernelFunc);
}

registerConvGradients();
