/**
 * CIFAR-10 binary batches (data_batch_1.bin ... test_batch.bin, https://www.cs.toronto.edu/~kriz/cifar.html):
 * records of 1 label byte + 3072 pixel bytes stored as three 32x32 planes (R, G, B), converted to NHWC.
 */
import { err, ok, type Result } from '../result';
import type { ImageDataset } from './dataset';

export const CIFAR10_CLASSES = [
  'airplane',
  'automobile',
  'bird',
  'cat',
  'deer',
  'dog',
  'frog',
  'horse',
  'ship',
  'truck',
];

const SIDE = 32;
const PLANE = SIDE * SIDE;
export const CIFAR10_RECORD_BYTES = 1 + 3 * PLANE;

/** True when a file could be a CIFAR-10 batch by name and size (used to route uploads). */
export function looksLikeCifarBatch(name: string, size: number): boolean {
  return name.toLowerCase().endsWith('.bin') && size > 0 && size % CIFAR10_RECORD_BYTES === 0;
}

export function parseCifar10Batches(
  files: ReadonlyArray<{ name: string; bytes: Uint8Array }>,
  classNames: string[] = CIFAR10_CLASSES,
): Result<ImageDataset> {
  if (files.length === 0) return err('No CIFAR-10 batch files were given.');
  let total = 0;
  for (const { name, bytes } of files) {
    const remainder = bytes.length % CIFAR10_RECORD_BYTES;
    if (bytes.length === 0 || remainder !== 0) {
      return err(
        `${name} is ${bytes.length} bytes, not a whole number of ${CIFAR10_RECORD_BYTES}-byte CIFAR-10 records ` +
          `(remainder ${remainder}). It is truncated or not a CIFAR-10 binary batch.`,
      );
    }
    total += bytes.length / CIFAR10_RECORD_BYTES;
  }
  const pixels = new Uint8Array(total * 3 * PLANE);
  const labels = new Int32Array(total);
  let image = 0;
  for (const { name, bytes } of files) {
    for (let rec = 0; rec * CIFAR10_RECORD_BYTES < bytes.length; rec++, image++) {
      const base = rec * CIFAR10_RECORD_BYTES;
      const label = bytes[base];
      if (label >= classNames.length) {
        return err(
          `${name}, record ${rec}: label ${label} is out of range (0-${classNames.length - 1}). ` +
            'This is not a CIFAR-10 batch (CIFAR-100 binaries use 2 label bytes per record).',
        );
      }
      labels[image] = label;
      // Planar RGB -> interleaved: pixel p's channel c sits at base + 1 + c * PLANE + p.
      const out = image * 3 * PLANE;
      for (let p = 0; p < PLANE; p++) {
        pixels[out + 3 * p] = bytes[base + 1 + p];
        pixels[out + 3 * p + 1] = bytes[base + 1 + PLANE + p];
        pixels[out + 3 * p + 2] = bytes[base + 1 + 2 * PLANE + p];
      }
    }
  }
  return ok({
    name: 'CIFAR-10',
    height: SIDE,
    width: SIDE,
    channels: 3,
    pixels,
    labels,
    classNames: [...classNames],
  });
}
