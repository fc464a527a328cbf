/**
 * PyTorch <-> tfjs parameter layouts. Checkpoints keep PyTorch's layouts (conv [out, in, kh, kw], linear
 * [out, in]); tfjs wants conv filters [kh, kw, in, out] and linear weights [in, out] so that `x @ W` works.
 */
import type { ParamLayout, ParamSpec } from '../diffusion/denoiser';

/** The tfjs shape of a parameter given its PyTorch shape. */
export function tfShapeOf(torchShape: readonly number[], layout: ParamLayout): number[] {
  if (layout === 'conv') {
    const [o, i, kh, kw] = torchShape;
    return [kh, kw, i, o];
  }
  if (layout === 'linear') {
    const [o, i] = torchShape;
    return [i, o];
  }
  return [...torchShape];
}

export const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * PyTorch-layout values -> tfjs-layout values, always a fresh array: tfjs backends may keep the array they
 * are given, and a tensor must not change when the caller reuses its buffer.
 */
export function torchToTf(spec: ParamSpec, data: Float32Array): Float32Array {
  if (spec.layout === 'conv') {
    const [o, i, kh, kw] = spec.torchShape;
    const out = new Float32Array(data.length);
    // torch index ((oo*i + ii)*kh + y)*kw + x  ->  tfjs index ((y*kw + x)*i + ii)*o + oo
    for (let oo = 0; oo < o; oo++) {
      for (let ii = 0; ii < i; ii++) {
        const src = (oo * i + ii) * kh * kw;
        for (let k = 0; k < kh * kw; k++) out[(k * i + ii) * o + oo] = data[src + k];
      }
    }
    return out;
  }
  if (spec.layout === 'linear') return transpose2d(data, spec.torchShape[0], spec.torchShape[1]);
  return data.slice();
}

/** tfjs-layout values -> PyTorch-layout values, a fresh array: the inverse of torchToTf. */
export function tfToTorch(spec: ParamSpec, data: Float32Array): Float32Array {
  if (spec.layout === 'conv') {
    const [o, i, kh, kw] = spec.torchShape;
    const out = new Float32Array(data.length);
    for (let oo = 0; oo < o; oo++) {
      for (let ii = 0; ii < i; ii++) {
        const dst = (oo * i + ii) * kh * kw;
        for (let k = 0; k < kh * kw; k++) out[dst + k] = data[(k * i + ii) * o + oo];
      }
    }
    return out;
  }
  if (spec.layout === 'linear') return transpose2d(data, spec.torchShape[1], spec.torchShape[0]);
  return data.slice();
}

/** Row-major [rows, cols] -> [cols, rows]. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(data.length);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) out[c * rows + r] = data[r * cols + c];
  }
  return out;
}

/** NCHW data (PyTorch images and activations) of `shape` [N, C, H, W] reordered to NHWC (tfjs). */
export function nchwToNhwc(data: Float32Array, shape: readonly number[]): Float32Array {
  if (shape.length !== 4) throw new Error(`Expected an NCHW shape of 4 dimensions; got [${shape}].`);
  const [n, c, h, w] = shape;
  if (data.length !== n * c * h * w) throw new Error(`${data.length} values do not fill shape [${shape}].`);
  const out = new Float32Array(data.length);
  const hw = h * w;
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      const src = (b * c + ch) * hw;
      for (let p = 0; p < hw; p++) out[(b * hw + p) * c + ch] = data[src + p];
    }
  }
  return out;
}
