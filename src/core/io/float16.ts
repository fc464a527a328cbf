/**
 * Half-precision conversions for checkpoints saved as F16 or BF16. Exact for every bit pattern:
 * subnormals, signed zeros, infinities and NaN included.
 */

/** IEEE 754 binary16 bits (0..0xffff) to the float32 value it denotes. */
export function float16ToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const fraction = bits & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24; // zero or subnormal
  if (exponent === 0x1f) return fraction ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * 2 ** (exponent - 15) * (1 + fraction / 1024);
}

// bfloat16 is the top half of a float32, so reinterpreting the shifted bits is exact.
const scratchU32 = new Uint32Array(1);
const scratchF32 = new Float32Array(scratchU32.buffer);

/** bfloat16 bits (0..0xffff) to the float32 value it denotes. */
export function bfloat16ToFloat32(bits: number): number {
  scratchU32[0] = (bits & 0xffff) << 16;
  return scratchF32[0];
}
