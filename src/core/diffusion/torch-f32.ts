/**
 * Bit-exact emulation of the few PyTorch 1.13 CPU float32 operations the official DDAE noise schedules are
 * built from. The trained checkpoints saw exactly these float32 tables, and near t = 1 the value
 * `1 - alphabar` loses most of its digits to cancellation, so a float64 recomputation differs from them by
 * up to 1e-4 relative (sqrtmab at t = 1). Emulating the float32 path reproduces the golden tables bit for bit.
 *
 * What was emulated, and why each piece is needed (each checked against the golden tables):
 * - `torch.linspace`: the AVX2 kernel (8 float lanes, two vectors per inner iteration, scalar tail), whose
 *   per-vector base `start + step*idx` is contracted to an FMA while the lanes add `j*step` separately.
 * - `torch.log`: correctly rounded here; SLEEF's `logf_u10` agreed on every input the schedules use.
 * - `torch.cumsum`: accumulates float32 inputs in double, rounding each output to float32.
 * - `torch.exp`: SLEEF `xexpf` (u10, AVX2 with FMA), which is not correctly rounded (1 ulp off on ~9% of
 *   the schedule's entries), so its polynomial is replayed step by step.
 */

const f = Math.fround;

/** float32 fused multiply-add: round(a*b + c) with a single rounding (a, b, c float32 values). */
export function fmaF32(a: number, b: number, c: number): number {
  // a*b of two float32 values is exact in double (48 significant bits); only the addition rounds.
  const p = a * b;
  const s = p + c;
  const r = f(s);
  if (r === s) return r;
  // Rounding twice (to double, then to float32) differs from rounding once only when s lies exactly
  // halfway between two float32 values while the exact sum (s + e, TwoSum error e) does not.
  const v = s - p;
  const e = p - (s - v) + (c - v);
  if (e === 0) return r;
  const lo = r < s ? r : stepF32(r, -1);
  const hi = r > s ? r : stepF32(r, 1);
  if (s - lo !== hi - s) return r;
  return e > 0 ? hi : lo;
}

const bits = new DataView(new ArrayBuffer(4));

/** The neighbouring float32 of a finite nonzero float32 r, upwards (dir 1) or downwards (dir -1). */
function stepF32(r: number, dir: 1 | -1): number {
  bits.setFloat32(0, r, true);
  const i = bits.getInt32(0, true);
  bits.setInt32(0, r > 0 === dir > 0 ? i + 1 : i - 1, true);
  return bits.getFloat32(0, true);
}

/** Round half to even, like `_mm256_cvtps_epi32` under the default rounding mode. */
function rintEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `torch.linspace(start, end, steps)` in float32 on a CPU with AVX2 (PyTorch 1.13), bit for bit. */
export function torchLinspaceF32(start: number, end: number, steps: number): Float32Array {
  const out = new Float32Array(steps);
  if (steps === 1) {
    out[0] = start;
    return out;
  }
  const s = f(start);
  const e = f(end);
  const stepF = f(f(e - s) / f(steps - 1));
  const halfway = Math.floor(steps / 2);
  // Scalar formula; GCC contracts `start + step*idx` (and `end - step*k`) into one FMA.
  const scalar = (idx: number): number =>
    idx < halfway ? fmaF32(stepF, f(idx), s) : fmaF32(-stepF, f(steps - idx - 1), e);
  const lanes = 8;
  let i = 0;
  // cpu_serial_kernel_vec handles two vectors per iteration and leaves the rest to the scalar op.
  for (; i + 2 * lanes <= steps; i += 2 * lanes) {
    for (let at = i; at < i + 2 * lanes; at += lanes) {
      const base = scalar(at);
      out[at] = base;
      for (let j = 1; j < lanes; j++) out[at + j] = f(base + f(j * stepF));
    }
  }
  for (; i < steps; i++) out[i] = scalar(i);
  return out;
}

// SLEEF's float32 constants for expf (written as the shortest decimals of those float32 values):
// ln 2 split in an exact high part and a low part, 1/ln 2, and the polynomial of exp on [-ln2/2, ln2/2].
const L2U = 0.693145751953125;
const L2L = 0.000001428606765330187;
const R_LN2 = f(Math.LOG2E);
const EXP_POLY = [
  0.00019852761761285365, 0.0013930435525253415, 0.008333360776305199, 0.041666485369205475,
  0.1666666716337204, 0.5,
];

/** `torch.exp` on a float32 value: SLEEF xexpf (AVX2, FMA), bit for bit for finite inputs in [-104, 100]. */
export function torchExpF32(x: number): number {
  const d = f(x);
  if (d < -104) return 0;
  if (d > 100) return Number.POSITIVE_INFINITY;
  const q = rintEven(f(d * R_LN2));
  let s = fmaF32(q, -L2U, d);
  s = fmaF32(q, -L2L, s);
  let u = EXP_POLY[0];
  for (let k = 1; k < EXP_POLY.length; k++) u = fmaF32(u, s, EXP_POLY[k]);
  u = f(1 + fmaF32(f(s * s), u, s));
  return f(u * 2 ** q);
}

/** `torch.log` on a float32 value (correctly rounded; matched SLEEF's logf_u10 on every schedule input). */
export const torchLogF32 = (x: number): number => f(Math.log(x));

/** `torch.cumsum` of a float32 vector on the CPU: double accumulator, float32 outputs. */
export function torchCumsumF32(values: Float32Array): Float32Array {
  const out = new Float32Array(values.length);
  let acc = 0;
  for (let i = 0; i < values.length; i++) {
    acc += values[i];
    out[i] = acc;
  }
  return out;
}
