/**
 * Reads an image's format and size from its first bytes, without decoding, so oversized or foreign files
 * can be refused before any pixel memory is allocated.
 */
import { err, ok, type Result } from '../result';

export type ImageFormat = 'png' | 'jpeg';

export interface ImageHeader {
  format: ImageFormat;
  width: number;
  height: number;
  /** True when the file stores grayscale (PNG colour types 0 and 4, one-component JPEG). */
  grayscale: boolean;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

const startsWith = (b: Uint8Array, sig: ArrayLike<number>, at = 0): boolean => {
  if (b.length < at + sig.length) return false;
  for (let i = 0; i < sig.length; i++) if (b[at + i] !== sig[i]) return false;
  return true;
};
const ascii = (s: string): number[] => Array.from(s, (c) => c.charCodeAt(0));

/** PNG or JPEG by magic bytes; null for anything else. */
export function sniffImageFormat(bytes: Uint8Array): ImageFormat | null {
  if (startsWith(bytes, PNG_SIGNATURE.slice(0, 4))) return 'png';
  if (startsWith(bytes, [0xff, 0xd8, 0xff])) return 'jpeg';
  return null;
}

/** Names image formats we recognise but cannot decode, for a helpful message. */
function otherImageFormat(bytes: Uint8Array): string | null {
  if (startsWith(bytes, ascii('GIF8'))) return 'GIF';
  if (startsWith(bytes, ascii('BM'))) return 'BMP';
  if (startsWith(bytes, ascii('RIFF')) && startsWith(bytes, ascii('WEBP'), 8)) return 'WebP';
  if (startsWith(bytes, ascii('II*\0')) || startsWith(bytes, ascii('MM\0*'))) return 'TIFF';
  if (startsWith(bytes, ascii('ftyp'), 4)) return 'HEIC/AVIF';
  return null;
}

export function readImageHeader(bytes: Uint8Array, name: string): Result<ImageHeader> {
  if (bytes.length === 0) return err(`${name} is empty (0 bytes).`);
  const format = sniffImageFormat(bytes);
  if (format === null) {
    const other = otherImageFormat(bytes);
    return other
      ? err(`${name} is a ${other} image; only PNG and JPEG are supported. Convert it to PNG first.`)
      : err(`${name} is not a PNG or JPEG image (its first bytes match neither format).`);
  }
  const header = format === 'png' ? readPngHeader(bytes) : readJpegHeader(bytes);
  if (typeof header === 'string') return err(`${name}: ${header}`);
  if (header.width === 0 || header.height === 0) {
    return err(`${name} says it is ${header.width}×${header.height} pixels; the file is corrupt.`);
  }
  return ok(header);
}

function readPngHeader(b: Uint8Array): ImageHeader | string {
  if (!startsWith(b, PNG_SIGNATURE)) return 'the PNG signature is damaged; the file is corrupt.';
  if (b.length < 26) return 'the PNG file ends inside its header; it is truncated.';
  if (!startsWith(b, ascii('IHDR'), 12))
    return 'the PNG file does not start with an IHDR chunk; it is corrupt.';
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const colorType = b[25];
  return {
    format: 'png',
    width: view.getUint32(16),
    height: view.getUint32(20),
    grayscale: colorType === 0 || colorType === 4,
  };
}

// SOF markers 0xC0..0xCF except DHT (C4), JPG (C8) and DAC (CC).
const isSof = (m: number): boolean => m >= 0xc0 && m <= 0xcf && m !== 0xc4 && m !== 0xc8 && m !== 0xcc;

function readJpegHeader(b: Uint8Array): ImageHeader | string {
  let i = 2;
  while (i + 1 < b.length) {
    if (b[i] !== 0xff) return `the JPEG has no marker at byte ${i}; the file is corrupt.`;
    const marker = b[i + 1];
    if (marker === 0xff) {
      i++; // fill byte
      continue;
    }
    // Markers without a length field.
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) {
      i += 2;
      continue;
    }
    if (marker === 0xd9 || marker === 0xda)
      return 'the JPEG has image data but no frame header; the file is corrupt.';
    if (i + 3 >= b.length) break;
    const length = (b[i + 2] << 8) | b[i + 3];
    if (length < 2) return `the JPEG has a segment of invalid length ${length}; the file is corrupt.`;
    if (isSof(marker)) {
      if (marker > 0xc2) {
        return 'it is a lossless, hierarchical or arithmetic-coded JPEG, which cannot be decoded here. Re-save it as a standard JPEG or PNG.';
      }
      if (length < 8 || i + 2 + length > b.length) break;
      const height = (b[i + 5] << 8) | b[i + 6];
      const width = (b[i + 7] << 8) | b[i + 8];
      return { format: 'jpeg', width, height, grayscale: b[i + 9] === 1 };
    }
    i += 2 + length;
  }
  return 'the JPEG file ends before its frame header; it is truncated.';
}
