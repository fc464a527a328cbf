/**
 * IDX files (the MNIST / Fashion-MNIST format, http://yann.lecun.com/exdb/mnist/): magic 00 00 <type> <ndim>,
 * ndim big-endian u32 sizes, then big-endian data. Gzipped files (.gz) are detected by magic and inflated.
 */
import { err, ok, type Result } from '../result';
import type { ImageDataset } from './dataset';
import { gunzipCapped, isGzip } from './gzip';

export type IdxDtype = 'u8' | 'i8' | 'i16' | 'i32' | 'f32' | 'f64';
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

export interface IdxFile {
  dtype: IdxDtype;
  dims: number[];
  data: IdxData;
}

const TYPES: Record<number, { dtype: IdxDtype; size: number }> = {
  8: { dtype: 'u8', size: 1 },
  9: { dtype: 'i8', size: 1 },
  11: { dtype: 'i16', size: 2 },
  12: { dtype: 'i32', size: 4 },
  13: { dtype: 'f32', size: 4 },
  14: { dtype: 'f64', size: 8 },
};

/** True when the bytes start like an uncompressed IDX file (used to sniff uploads). */
export function hasIdxMagic(bytes: Uint8Array): boolean {
  return (
    bytes.length >= 4 && bytes[0] === 0 && bytes[1] === 0 && Object.hasOwn(TYPES, bytes[2]) && bytes[3] >= 1
  );
}

export function parseIdx(bytes: Uint8Array, name = 'The file'): Result<IdxFile> {
  if (isGzip(bytes)) {
    const inflated = gunzipCapped(bytes, name);
    if (!inflated.ok) return inflated;
    bytes = inflated.value;
  }
  if (bytes.length < 4) return err(`${name} is ${bytes.length} bytes, too short for an IDX header.`);
  if (bytes[0] !== 0 || bytes[1] !== 0 || !Object.hasOwn(TYPES, bytes[2])) {
    const magic = Array.from(bytes.subarray(0, 4), (b) => b.toString(16).padStart(2, '0')).join(' ');
    return err(
      `${name} is not an IDX file: it starts with ${magic}, expected 00 00 <type 08/09/0b/0c/0d/0e> <ndim>.`,
    );
  }
  const { dtype, size } = TYPES[bytes[2]];
  const ndim = bytes[3];
  if (ndim === 0) return err(`${name} declares 0 dimensions; an IDX file needs at least one.`);
  const headerLength = 4 + 4 * ndim;
  if (bytes.length < headerLength) {
    return err(
      `${name} is ${bytes.length} bytes, too short for its ${ndim}-dimension header (${headerLength} bytes).`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims: number[] = [];
  for (let d = 0; d < ndim; d++) dims.push(view.getUint32(4 + 4 * d, false));
  const count = dims.reduce((a, b) => a * b, 1);
  const expected = count * size;
  const actual = bytes.length - headerLength;
  if (expected !== actual) {
    return err(
      `${name}: dimensions [${dims.join(', ')}] of ${dtype} need ${expected} data bytes, but the file has ${actual}. ` +
        'It is truncated or corrupt.',
    );
  }
  return ok({ dtype, dims, data: readBigEndian(view, headerLength, count, dtype, size) });
}

function readBigEndian(view: DataView, start: number, count: number, dtype: IdxDtype, size: number): IdxData {
  const bytes = new Uint8Array(view.buffer, view.byteOffset + start, count * size);
  switch (dtype) {
    case 'u8':
      return bytes.slice();
    case 'i8':
      return new Int8Array(bytes.slice().buffer);
    case 'i16': {
      const out = new Int16Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt16(start + 2 * i, false);
      return out;
    }
    case 'i32': {
      const out = new Int32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getInt32(start + 4 * i, false);
      return out;
    }
    case 'f32': {
      const out = new Float32Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat32(start + 4 * i, false);
      return out;
    }
    case 'f64': {
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) out[i] = view.getFloat64(start + 8 * i, false);
      return out;
    }
  }
}

/**
 * Builds a data set from an IDX images file ([N,H,W] grayscale or [N,H,W,C] with C 1 or 3, u8) and an
 * optional IDX labels file (u8, [N]). Class names are '0'..'max label'. Either may be gzipped.
 */
export function idxToDataset(
  images: Uint8Array,
  labels: Uint8Array | null,
  name: string,
): Result<ImageDataset> {
  const img = parseIdx(images, `${name} images`);
  if (!img.ok) return img;
  let lab: IdxFile | null = null;
  if (labels) {
    const parsed = parseIdx(labels, `${name} labels`);
    if (!parsed.ok) return parsed;
    lab = parsed.value;
  }
  return idxFilesToDataset(img.value, lab, name);
}

/** idxToDataset for files already parsed (the upload router parses first to tell images from labels). */
export function idxFilesToDataset(
  images: IdxFile,
  labels: IdxFile | null,
  name: string,
): Result<ImageDataset> {
  const { dims } = images;
  if (images.dtype !== 'u8') {
    return err(`${name}: the images are ${images.dtype}; image IDX files must be unsigned bytes (type 08).`);
  }
  const channels = dims.length === 3 ? 1 : dims.length === 4 ? dims[3] : 0;
  if (channels !== 1 && channels !== 3) {
    return err(
      `${name}: the images have dimensions [${dims.join(', ')}]; expected [N, height, width] or ` +
        '[N, height, width, channels] with 1 or 3 channels.',
    );
  }
  const [n, height, width] = dims;
  if (n === 0 || height === 0 || width === 0)
    return err(`${name}: the images file holds no pixels (dimensions [${dims.join(', ')}]).`);
  let labelArray = new Int32Array(n).fill(-1);
  let classNames: string[] = [];
  if (labels) {
    if (labels.dtype !== 'u8' || labels.dims.length !== 1) {
      return err(
        `${name}: the labels are ${labels.dtype} with dimensions [${labels.dims.join(', ')}]; ` +
          'a labels file must be unsigned bytes with one dimension.',
      );
    }
    if (labels.dims[0] !== n) {
      return err(
        `${name}: the images file holds ${n} images but the labels file holds ${labels.dims[0]} labels. Pair matching files.`,
      );
    }
    labelArray = Int32Array.from(labels.data);
    const max = labelArray.reduce((a, b) => Math.max(a, b), 0);
    classNames = Array.from({ length: max + 1 }, (_, i) => String(i));
  }
  return ok({
    name,
    height,
    width,
    channels,
    pixels: images.data as Uint8Array,
    labels: labelArray,
    classNames,
  });
}
