/**
 * Blocks of dot products between rows of two float32 matrices, accumulated in float64: the inner loop of the
 * CPU distances. Register-blocked 2 rows × 4 rows, so each loaded value feeds 2 to 4 products; that made it
 * ~4× faster than one dot product at a time in V8 (no SIMD reaches plain JS).
 */

/**
 * out[i·rowsB + j] = Σ_k a[aOffset + i·c + k] · b[bOffset + j·c + k] for i < rowsA, j < rowsB.
 * The products of two float32 values are exact in float64; only the sums round.
 */
export function gramBlock(
  a: Float32Array,
  aOffset: number,
  rowsA: number,
  b: Float32Array,
  bOffset: number,
  rowsB: number,
  c: number,
  out: Float64Array,
): void {
  let i = 0;
  for (; i + 1 < rowsA; i += 2) {
    const a0 = aOffset + i * c;
    const a1 = a0 + c;
    const o0 = i * rowsB;
    const o1 = o0 + rowsB;
    let j = 0;
    for (; j + 3 < rowsB; j += 4) {
      const b0 = bOffset + j * c;
      const b1 = b0 + c;
      const b2 = b1 + c;
      const b3 = b2 + c;
      let s00 = 0;
      let s01 = 0;
      let s02 = 0;
      let s03 = 0;
      let s10 = 0;
      let s11 = 0;
      let s12 = 0;
      let s13 = 0;
      for (let k = 0; k < c; k++) {
        const x0 = a[a0 + k];
        const x1 = a[a1 + k];
        const y0 = b[b0 + k];
        const y1 = b[b1 + k];
        const y2 = b[b2 + k];
        const y3 = b[b3 + k];
        s00 += x0 * y0;
        s01 += x0 * y1;
        s02 += x0 * y2;
        s03 += x0 * y3;
        s10 += x1 * y0;
        s11 += x1 * y1;
        s12 += x1 * y2;
        s13 += x1 * y3;
      }
      out[o0 + j] = s00;
      out[o0 + j + 1] = s01;
      out[o0 + j + 2] = s02;
      out[o0 + j + 3] = s03;
      out[o1 + j] = s10;
      out[o1 + j + 1] = s11;
      out[o1 + j + 2] = s12;
      out[o1 + j + 3] = s13;
    }
    for (; j < rowsB; j++) {
      const b0 = bOffset + j * c;
      let s0 = 0;
      let s1 = 0;
      for (let k = 0; k < c; k++) {
        const y = b[b0 + k];
        s0 += a[a0 + k] * y;
        s1 += a[a1 + k] * y;
      }
      out[o0 + j] = s0;
      out[o1 + j] = s1;
    }
  }
  if (i < rowsA) {
    const a0 = aOffset + i * c;
    const o0 = i * rowsB;
    for (let j = 0; j < rowsB; j++) {
      const b0 = bOffset + j * c;
      let s = 0;
      for (let k = 0; k < c; k++) s += a[a0 + k] * b[b0 + k];
      out[o0 + j] = s;
    }
  }
}

/** Σ_k x[k]² of each consecutive run of c values, in float64. */
export function squaredNorms(x: Float32Array, c: number): Float64Array {
  const out = new Float64Array(x.length / c);
  for (let r = 0; r < out.length; r++) {
    let s = 0;
    for (let k = r * c; k < (r + 1) * c; k++) s += x[k] * x[k];
    out[r] = s;
  }
  return out;
}
