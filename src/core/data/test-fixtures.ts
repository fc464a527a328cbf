/**
 * Builders for small files of every supported format, shared by the data tests (not used by the app).
 * Everything is generated in memory so tests need no fixture files.
 */
import { encode as encodePng } from 'fast-png';
import { encode as encodeJpeg } from 'jpeg-js';
import type { Result } from '../result';

const IDX_SIZES: Record<number, number> = { 8: 1, 9: 1, 11: 2, 12: 4, 13: 4, 14: 8 };

/** An IDX file written by hand, big-endian as the format requires. */
export function makeIdx(type: number, dims: number[], values: ArrayLike<number>): Uint8Array {
  const size = IDX_SIZES[type];
  const out = new Uint8Array(4 + 4 * dims.length + values.length * size);
  const view = new DataView(out.buffer);
  out.set([0, 0, type, dims.length]);
  for (let i = 0; i < dims.length; i++) view.setUint32(4 + 4 * i, dims[i]);
  const at = 4 + 4 * dims.length;
  for (let i = 0; i < values.length; i++) {
    const o = at + i * size;
    if (type === 0x08) view.setUint8(o, values[i]);
    else if (type === 0x09) view.setInt8(o, values[i]);
    else if (type === 0x0b) view.setInt16(o, values[i]);
    else if (type === 0x0c) view.setInt32(o, values[i]);
    else if (type === 0x0d) view.setFloat32(o, values[i]);
    else view.setFloat64(o, values[i]);
  }
  return out;
}

/** A PNG with deterministic pixels: value (i * 37 + seed) mod 256 for sample i. */
export function makePng(width: number, height: number, channels: 1 | 2 | 3 | 4, seed = 0): Uint8Array {
  return encodePng({
    width,
    height,
    channels,
    depth: 8,
    data: patternPixels(width * height * channels, seed),
  });
}

export function patternPixels(length: number, seed = 0): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + seed) % 256);
}

/** A baseline colour JPEG (jpeg-js always writes 3 components) of a flat colour. */
export function makeJpeg(
  width: number,
  height: number,
  rgb: [number, number, number],
  quality = 95,
): Uint8Array {
  const data = new Uint8Array(width * height * 4);
  for (let p = 0; p < width * height; p++) data.set([...rgb, 255], 4 * p);
  return new Uint8Array(encodeJpeg({ width, height, data }, quality).data);
}

/** Signature, IHDR and IEND only: enough for the header reader, with no pixel data at all. */
export function makePngHeaderOnly(width: number, height: number, colorType = 2): Uint8Array {
  const out = new Uint8Array(8 + 25 + 12);
  const view = new DataView(out.buffer);
  out.set([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  view.setUint32(8, 13);
  out.set([0x49, 0x48, 0x44, 0x52], 12); // IHDR
  view.setUint32(16, width);
  view.setUint32(20, height);
  out.set([8, colorType, 0, 0, 0], 24);
  view.setUint32(33, 0);
  out.set([0x49, 0x45, 0x4e, 0x44], 37); // IEND
  return out;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});

/** Inserts a chunk (with a correct CRC) right after IHDR, e.g. a suggested PLTE in a truecolour PNG. */
export function insertPngChunk(png: Uint8Array, type: string, data: Uint8Array): Uint8Array {
  const chunk = new Uint8Array(12 + data.length);
  const view = new DataView(chunk.buffer);
  view.setUint32(0, data.length);
  chunk.set(
    Array.from(type, (c) => c.charCodeAt(0)),
    4,
  );
  chunk.set(data, 8);
  let crc = 0xffffffff;
  for (const b of chunk.subarray(4, 8 + data.length)) crc = CRC_TABLE[(crc ^ b) & 0xff] ^ (crc >>> 8);
  view.setUint32(8 + data.length, (crc ^ 0xffffffff) >>> 0);
  return new Uint8Array([...png.subarray(0, 33), ...chunk, ...png.subarray(33)]);
}

const fromBase64 = (s: string): Uint8Array => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

/** A 4×3 one-component (grayscale) JPEG saved by Pillow at quality 100, and its decoded pixels. */
export const GRAY_JPEG_4X3 = fromBase64(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQEBAQH/wAALCAADAAQBAREA/8QAHwAAAQUBAQEBAQEAAAAAAAAAAAECAwQFBgcICQoL/8QAtRAAAgEDAwIEAwUFBAQAAAF9AQIDAAQRBRIhMUEGE1FhByJxFDKBkaEII0KxwRVS0fAkM2JyggkKFhcYGRolJicoKSo0NTY3ODk6Q0RFRkdISUpTVFVWV1hZWmNkZWZnaGlqc3R1dnd4eXqDhIWGh4iJipKTlJWWl5iZmqKjpKWmp6ipqrKztLW2t7i5usLDxMXGx8jJytLT1NXW19jZ2uHi4+Tl5ufo6erx8vP09fb3+Pn6/9oACAEBAAA/APDP2HP2l/iBafs5eCrW08Ifs32lvAkkcUNp+x3+yRbRhRbWZyywfBGMO5zgySbpCoVS5VFA/9k=',
);
export const GRAY_JPEG_4X3_PIXELS = [0, 40, 80, 120, 160, 200, 240, 255, 30, 60, 90, 120];

/** A 5×4 progressive (SOF2) colour JPEG of the flat colour (200, 30, 60), saved by Pillow. */
export const PROGRESSIVE_JPEG_5X4 = fromBase64(
  '/9j/4AAQSkZJRgABAQAAAQABAAD/2wBDAAIBAQEBAQIBAQECAgICAgQDAgICAgUEBAMEBgUGBgYFBgYGBwkIBgcJBwYGCAsICQoKCgoKBggLDAsKDAkKCgr/2wBDAQICAgICAgUDAwUKBwYHCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgoKCgr/wgARCAAEAAUDASIAAhEBAxEB/8QAFQABAQAAAAAAAAAAAAAAAAAAAAf/xAAVAQEBAAAAAAAAAAAAAAAAAAAFCP/aAAwDAQACEAMQAAABk4Dqb//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAQUCf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQMBAT8Bf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQIBAT8Bf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEABj8Cf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAT8hf//aAAwDAQACAAMAAAAQA//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQMBAT8Qf//EABQRAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQIBAT8Qf//EABQQAQAAAAAAAAAAAAAAAAAAAAD/2gAIAQEAAT8Qf//Z',
);

/** One CIFAR-10 record: label byte, then R, G, B planes; pixel p of channel c is (p + 50 c + seed) mod 256. */
export function makeCifarRecord(label: number, seed = 0): Uint8Array {
  const out = new Uint8Array(3073);
  out[0] = label;
  for (let c = 0; c < 3; c++)
    for (let p = 0; p < 1024; p++) out[1 + c * 1024 + p] = (p + 50 * c + seed) % 256;
  return out;
}

export function makeCifarBatch(labels: number[]): Uint8Array {
  const out = new Uint8Array(labels.length * 3073);
  for (let i = 0; i < labels.length; i++) out.set(makeCifarRecord(labels[i], i), i * 3073);
  return out;
}

/** The value of a successful Result, failing the test with the parser's message otherwise. */
export function ok<T>(r: Result<T>): T {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

/** The message of a failed Result, failing the test when it succeeded. */
export function error(r: Result<unknown>): string {
  if (r.ok) throw new Error('expected an error');
  return r.error;
}
