/**
 * PNG/JPEG decoding to 8-bit gray or RGB. The size is read from the header and checked against limits
 * before decoding, so a 10000×10000 upload is refused without allocating its pixels.
 * Alpha is composited over black (transparent pixels become black), so hidden colour under transparent
 * regions never leaks into a data set.
 */

import { convertIndexedToRgb, type DecodedPng, decode as decodePng } from 'fast-png';
import { decode as decodeJpeg } from 'jpeg-js';
import { err, ok, type Result } from '../result';
import { readImageHeader } from './image-header';

export interface DecodedImage {
  width: number;
  height: number;
  channels: 1 | 3;
  /** height * width * channels bytes, row-major, interleaved. */
  pixels: Uint8Array;
}

export interface ImageLimits {
  maxSide: number;
  maxPixels: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = { maxSide: 4096, maxPixels: 16_777_216 };

export function decodeImage(
  bytes: Uint8Array,
  name: string,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Result<DecodedImage> {
  const header = readImageHeader(bytes, name);
  if (!header.ok) return header;
  const { format, width, height } = header.value;
  const tooBig = checkImageLimits(name, width, height, limits);
  if (tooBig) return err(tooBig);
  try {
    const image = format === 'png' ? pngToImage(bytes) : jpegToImage(bytes, header.value.grayscale, limits);
    if (typeof image === 'string') return err(`${name}: ${image}`);
    if (image.width !== width || image.height !== height) {
      return err(
        `${name}: its header says ${width}×${height} but it decodes to ${image.width}×${image.height}; the file is corrupt.`,
      );
    }
    return ok(image);
  } catch (e) {
    // The decoders throw on corrupt input; their messages are technical, so lead with ours.
    const detail = e instanceof Error ? e.message : String(e);
    return err(
      `${name} could not be decoded as ${format.toUpperCase()}: it is truncated or corrupt (${detail}).`,
    );
  }
}

/** The refusal message for an image beyond the limits, or null when it fits. */
export function checkImageLimits(
  name: string,
  width: number,
  height: number,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): string | null {
  if (width > limits.maxSide || height > limits.maxSide) {
    return `${name} is ${width}×${height} pixels; the limit is ${limits.maxSide} on a side. Resize it first.`;
  }
  if (width * height > limits.maxPixels) {
    return `${name} is ${width}×${height} = ${width * height} pixels; the limit is ${limits.maxPixels} pixels. Resize it first.`;
  }
  return null;
}

function pngToImage(bytes: Uint8Array): DecodedImage | string {
  // checkCrc turns most bit flips into an error instead of silently wrong pixels.
  const png = decodePng(bytes, { checkCrc: true });
  const { width, height } = png;
  const count = width * height;
  let samples: Uint8Array;
  let channels: number;
  // Colour type 3 (IHDR byte 25); truecolour files may carry a suggested PLTE that must be ignored.
  if (bytes[25] === 3) {
    if (!png.palette?.length) return 'the PNG uses indexed colour but has no palette; the file is corrupt.';
    samples = convertIndexedToRgb(png);
    channels = png.palette[0]?.length ?? 3;
  } else {
    channels = png.channels;
    samples = to8Bit(png, count * channels);
  }
  if (samples.length < count * channels)
    return 'the PNG pixel data is shorter than its size says; it is truncated.';
  return toGrayOrRgb(samples, width, height, channels);
}

/** Unpacks 1/2/4-bit gray and narrows 16-bit samples to 8 bits. */
function to8Bit(png: DecodedPng, length: number): Uint8Array {
  const { data, depth, width, channels } = png;
  if (depth === 8) return data as Uint8Array;
  const out = new Uint8Array(length);
  if (depth === 16) {
    for (let i = 0; i < length && i < data.length; i++) out[i] = data[i] >> 8;
    return out;
  }
  // Packed rows start on a byte boundary; only grayscale uses these depths (palettes go elsewhere).
  const rowBytes = Math.ceil((width * channels * depth) / 8);
  const max = (1 << depth) - 1;
  const perRow = width * channels;
  for (let i = 0; i < length; i++) {
    const row = Math.floor(i / perRow);
    const bit = (i % perRow) * depth;
    const byte = data[row * rowBytes + (bit >> 3)] ?? 0;
    const value = (byte >> (8 - depth - (bit & 7))) & max;
    out[i] = Math.round((value * 255) / max);
  }
  return out;
}

/** Drops alpha by compositing over black; keeps gray as 1 channel and colour as 3. */
function toGrayOrRgb(samples: Uint8Array, width: number, height: number, channels: number): DecodedImage {
  const count = width * height;
  const hasAlpha = channels === 2 || channels === 4;
  const colour = channels >= 3;
  const outChannels = colour ? 3 : 1;
  if (!hasAlpha && samples.length === count * outChannels)
    return { width, height, channels: outChannels, pixels: samples };
  const pixels = new Uint8Array(count * outChannels);
  for (let p = 0; p < count; p++) {
    const alpha = hasAlpha ? samples[p * channels + channels - 1] : 255;
    for (let c = 0; c < outChannels; c++) {
      pixels[p * outChannels + c] = Math.round((samples[p * channels + c] * alpha) / 255);
    }
  }
  return { width, height, channels: outChannels, pixels };
}

function jpegToImage(bytes: Uint8Array, grayscale: boolean, limits: ImageLimits): DecodedImage | string {
  // Second guard: jpeg-js's own limits, in case the frame header lied about the size.
  const jpeg = decodeJpeg(bytes, {
    useTArray: true,
    formatAsRGBA: false,
    tolerantDecoding: true,
    maxResolutionInMP: limits.maxPixels / 1e6 + 1,
    maxMemoryUsageInMB: Math.max(64, Math.ceil((limits.maxPixels * 16) / 2 ** 20)),
  });
  const { width, height, data } = jpeg;
  if (data.length !== width * height * 3) return 'the JPEG decoder returned an unexpected amount of data.';
  if (!grayscale) return { width, height, channels: 3, pixels: data };
  // jpeg-js always returns RGB; a one-component JPEG has R = G = B.
  const pixels = new Uint8Array(width * height);
  for (let p = 0; p < pixels.length; p++) pixels[p] = data[3 * p];
  return { width, height, channels: 1, pixels };
}
