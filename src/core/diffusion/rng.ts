/**
 * Seeded Gaussian noise for sampling, generated on the CPU and uploaded, so a seed gives the same images
 * on every backend (cpu, wasm, webgpu) and every run.
 *
 * Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11) is counter based:
 * value i of a stream is a pure function of (seed, stream, i). Hence
 * - streams are independent (x_T is stream 0, the sampler's step-k noise is stream k + 1), and
 * - any prefix is stable: the first n values do not depend on how many are asked for, so adding images to a
 *   batch leaves the earlier images' noise, and so the earlier images, unchanged.
 * Pairs of 32-bit words become two normals through Box-Muller, in float64, rounded to float32.
 */

const M0 = 0xd2511f53;
const M1 = 0xcd9e8d57;
const W0 = 0x9e3779b9;
const W1 = 0xbb67ae85;
const TWO_PI = 2 * Math.PI;
const TWO_POW_M32 = 2 ** -32;

const M0_LO = M0 & 0xffff;
const M0_HI = M0 >>> 16;
const M1_LO = M1 & 0xffff;
const M1_HI = M1 >>> 16;

/**
 * Philox4x32-10 of counter (c0..c3) and key (k0, k1) into out[0..3]. Words are kept as int32 (| 0) so V8
 * stays on integer arithmetic; the high half of each 32x32-bit product is assembled from 16-bit halves
 * (Hacker's Delight mulhu), since a double holds only 53 bits of the 64-bit product.
 */
function philoxInto(
  c0: number,
  c1: number,
  c2: number,
  c3: number,
  k0: number,
  k1: number,
  out: Uint32Array,
): void {
  c0 |= 0;
  c1 |= 0;
  c2 |= 0;
  c3 |= 0;
  k0 |= 0;
  k1 |= 0;
  for (let round = 0; round < 10; round++) {
    const a0 = c0 & 0xffff;
    const a1 = c0 >>> 16;
    let t = M0_HI * a0 + ((M0_LO * a0) >>> 16);
    let w = (t & 0xffff) + M0_LO * a1;
    const hi0 = (M0_HI * a1 + (t >>> 16) + (w >>> 16)) | 0;
    const lo0 = Math.imul(M0, c0);
    const b0 = c2 & 0xffff;
    const b1 = c2 >>> 16;
    t = M1_HI * b0 + ((M1_LO * b0) >>> 16);
    w = (t & 0xffff) + M1_LO * b1;
    const hi1 = (M1_HI * b1 + (t >>> 16) + (w >>> 16)) | 0;
    const lo1 = Math.imul(M1, c2);
    c0 = hi1 ^ c1 ^ k0;
    c1 = lo1;
    c2 = hi0 ^ c3 ^ k1;
    c3 = lo0;
    k0 = (k0 + W0) | 0;
    k1 = (k1 + W1) | 0;
  }
  // Uint32Array stores reinterpret the int32 words as unsigned.
  out[0] = c0;
  out[1] = c1;
  out[2] = c2;
  out[3] = c3;
}

/** One Philox4x32-10 block: 4 uint32 from a 4-word counter and a 2-word key (Random123's word order). */
export function philox4x32(
  counter: readonly [number, number, number, number],
  key: readonly [number, number],
): Uint32Array {
  const out = new Uint32Array(4);
  philoxInto(
    counter[0] >>> 0,
    counter[1] >>> 0,
    counter[2] >>> 0,
    counter[3] >>> 0,
    key[0] >>> 0,
    key[1] >>> 0,
    out,
  );
  return out;
}

function checkInteger(name: string, v: number, max: number): void {
  if (!Number.isInteger(v) || v < 0 || v > max) {
    throw new Error(`${name} must be an integer in [0, ${max}]; got ${v}.`);
  }
}

/**
 * `count` standard normal values (float32) of stream `stream` under `seed`, starting at value `offset`.
 * seed: integer in [0, 2^53); stream: integer in [0, 2^32). Bitwise reproducible within a JS engine. Across
 * engines Math.log/cos/sin may differ in the last float64 bit, which survives the rounding to float32 only
 * for about one value in 10^8 (and then by 1 float32 ulp).
 */
export function gaussianNoise(seed: number, stream: number, count: number, offset = 0): Float32Array {
  checkInteger('seed', seed, Number.MAX_SAFE_INTEGER);
  checkInteger('stream', stream, 0xffffffff);
  checkInteger('count', count, 2 ** 31);
  checkInteger('offset', offset, Number.MAX_SAFE_INTEGER);
  const k0 = seed >>> 0;
  const k1 = Math.floor(seed / 2 ** 32) >>> 0;
  const out = new Float32Array(count);
  const words = new Uint32Array(4);
  const normals = new Float64Array(4);
  const first = Math.floor(offset / 4);
  const last = Math.floor((offset + count - 1) / 4);
  for (let block = first; block <= last; block++) {
    // Counter: the block index (64 bits over words 0-1) and the stream (word 2).
    philoxInto(block >>> 0, Math.floor(block / 2 ** 32) >>> 0, stream, 0, k0, k1, words);
    boxMuller(words[0], words[1], normals, 0);
    boxMuller(words[2], words[3], normals, 2);
    const from = Math.max(4 * block, offset);
    const to = Math.min(4 * block + 4, offset + count);
    for (let index = from; index < to; index++) out[index - offset] = normals[index - 4 * block];
  }
  return out;
}

function boxMuller(a: number, b: number, out: Float64Array, at: number): void {
  // u1 in (0, 1] so the log is finite; the tails reach |z| = sqrt(2 ln 2^32) ~ 6.66.
  const u1 = (a + 1) * TWO_POW_M32;
  const theta = TWO_PI * b * TWO_POW_M32;
  const r = Math.sqrt(-2 * Math.log(u1));
  out[at] = r * Math.cos(theta);
  out[at + 1] = r * Math.sin(theta);
}

/**
 * `count` uniform values in [0, 1) of stream `stream` under `seed`, for draws other than noise (timesteps,
 * flips, shuffles). Counter word 3 = `purpose` (≥ 1) keeps them independent of `gaussianNoise` (word 3 = 0).
 */
export function uniformValues(seed: number, stream: number, count: number, purpose = 1): Float64Array {
  checkInteger('seed', seed, Number.MAX_SAFE_INTEGER);
  checkInteger('stream', stream, 0xffffffff);
  checkInteger('purpose', purpose, 0xffffffff);
  const k0 = seed >>> 0;
  const k1 = Math.floor(seed / 2 ** 32) >>> 0;
  const out = new Float64Array(count);
  const words = new Uint32Array(4);
  for (let block = 0; 4 * block < count; block++) {
    philoxInto(block >>> 0, 0, stream, purpose, k0, k1, words);
    for (let j = 0; j < 4 && 4 * block + j < count; j++) out[4 * block + j] = words[j] / 2 ** 32;
  }
  return out;
}
