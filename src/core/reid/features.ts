/**
 * The shapes the ReID distances work on: flat row-major float32 arrays with their sizes, so the same code runs
 * in Node, in a worker and on tensors read back from any tfjs backend.
 */

/** One vector per image: `count` × `dims` (the global feature). */
export interface GlobalFeatures {
  readonly count: number;
  readonly dims: number;
  readonly data: Float32Array;
}

/** H horizontal stripes per image: `count` × `stripes` × `channels` (the local features, top stripe first). */
export interface StripeFeatures {
  readonly count: number;
  readonly stripes: number;
  readonly channels: number;
  readonly data: Float32Array;
}

/** A `rows` × `cols` distance matrix, row-major: `data[r * cols + c]` (rows are queries). */
export interface DistanceMatrix {
  readonly rows: number;
  readonly cols: number;
  readonly data: Float32Array;
}

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;
const isSize = (n: number) => Number.isSafeInteger(n) && n >= 1;

/** Wraps `data` as global features, checking that its length is count × dims. */
export function globalFeatures(data: Float32Array, count: number, dims: number): GlobalFeatures {
  if (!isCount(count) || !isSize(dims)) throw new Error(`globalFeatures: bad shape [${count}, ${dims}]`);
  if (data.length !== count * dims) {
    throw new Error(`globalFeatures: ${data.length} values do not make [${count}, ${dims}]`);
  }
  return { count, dims, data };
}

/** Wraps `data` as stripe features, checking that its length is count × stripes × channels. */
export function stripeFeatures(
  data: Float32Array,
  count: number,
  stripes: number,
  channels: number,
): StripeFeatures {
  if (!isCount(count) || !isSize(stripes) || !isSize(channels)) {
    throw new Error(`stripeFeatures: bad shape [${count}, ${stripes}, ${channels}]`);
  }
  if (data.length !== count * stripes * channels) {
    throw new Error(`stripeFeatures: ${data.length} values do not make [${count}, ${stripes}, ${channels}]`);
  }
  return { count, stripes, channels, data };
}

/** A zero matrix of the given size. */
export function distanceMatrix(
  rows: number,
  cols: number,
  data = new Float32Array(rows * cols),
): DistanceMatrix {
  if (data.length !== rows * cols)
    throw new Error(`distanceMatrix: ${data.length} values for ${rows}x${cols}`);
  return { rows, cols, data };
}

/** float32 machine epsilon: huanghoujing's `normalize` adds it to the norm so zero vectors stay zero. */
const NORMALIZE_EPS = 2 ** -23;

/**
 * Each consecutive run of `dims` values divided by its L2 norm (+ float32 eps, as the reference `normalize`
 * does). The norm is accumulated in float64 after scaling by the run's largest magnitude, so features of any
 * float32 scale (1e20 included) normalise without overflow.
 */
export function l2NormalizeRows(data: Float32Array, dims: number): Float32Array {
  if (!isSize(dims) || data.length % dims !== 0) {
    throw new Error(`l2NormalizeRows: ${data.length} values are not rows of ${dims}`);
  }
  const out = new Float32Array(data.length);
  for (let start = 0; start < data.length; start += dims) {
    let peak = 0;
    for (let k = start; k < start + dims; k++) peak = Math.max(peak, Math.abs(data[k]));
    if (peak === 0) continue;
    let sum = 0;
    for (let k = start; k < start + dims; k++) {
      const v = data[k] / peak;
      sum += v * v;
    }
    const scale = 1 / (peak * Math.sqrt(sum) + NORMALIZE_EPS);
    for (let k = start; k < start + dims; k++) out[k] = data[k] * scale;
  }
  return out;
}

/** Global features L2-normalised per image. */
export function normalizeGlobal(features: GlobalFeatures): GlobalFeatures {
  return { ...features, data: l2NormalizeRows(features.data, features.dims) };
}

/** Stripe features L2-normalised per stripe (along channels), as the reproduction's `normalize_feature`. */
export function normalizeStripes(features: StripeFeatures): StripeFeatures {
  return { ...features, data: l2NormalizeRows(features.data, features.channels) };
}

/** Throws unless query and gallery have the same stripe count and channel count. */
export function checkSameStripes(what: string, query: StripeFeatures, gallery: StripeFeatures): void {
  if (query.stripes !== gallery.stripes || query.channels !== gallery.channels) {
    throw new Error(
      `${what}: query stripes [${query.stripes}, ${query.channels}] differ from gallery [${gallery.stripes}, ${gallery.channels}]`,
    );
  }
}

/** Throws unless every value is finite: a NaN or ±Infinity feature has no meaningful distance. */
export function checkFinite(what: string, data: Float32Array): void {
  for (let k = 0; k < data.length; k++) {
    if (!Number.isFinite(data[k])) throw new Error(`${what}: value ${data[k]} at index ${k} is not finite`);
  }
}

/** Throws unless two feature sets can be compared: the same stripe shape and every value finite. */
export function checkComparable(what: string, query: StripeFeatures, gallery: StripeFeatures): void {
  checkSameStripes(what, query, gallery);
  checkFinite('query features', query.data);
  checkFinite('gallery features', gallery.data);
}

/**
 * Whether query and gallery are one set (the same data), as re-ranking's query × query and gallery ×
 * gallery: the local distance matrix is then symmetric (the shortest path through the transposed stripe
 * matrix is the same path, transposed), so only its upper triangle needs computing.
 */
export const isOneSet = (query: StripeFeatures, gallery: StripeFeatures): boolean =>
  query.data === gallery.data && query.count === gallery.count;

/** Throws unless 0 ≤ index < count. */
export function checkIndex(what: string, index: number, count: number): void {
  if (!Number.isSafeInteger(index) || index < 0 || index >= count) {
    throw new Error(`${what} index ${index} is outside 0..${count - 1}`);
  }
}
