import type { ImageDataset } from './dataset';

/** A named subset of a data set, as image indices. */
export interface Split {
  name: 'all' | 'train' | 'test';
  indices: Int32Array;
}

export function range(start: number, end: number): Int32Array {
  const out = new Int32Array(Math.max(0, end - start));
  for (let i = 0; i < out.length; i++) out[i] = start + i;
  return out;
}

/** Whether the first `trainCount` of `n` images are a train split with a non-empty test split after them. */
export function hasTrainTestBoundary(n: number, trainCount: number | null | undefined): trainCount is number {
  return trainCount !== null && trainCount !== undefined && trainCount > 0 && trainCount < n;
}

/** The whole set, plus train/test when a fixed boundary is known (embedded MNIST: the first 8,000 train). */
export function makeSplits(d: ImageDataset, trainCount: number | null): Split[] {
  const n = d.labels.length;
  const splits: Split[] = [{ name: 'all', indices: range(0, n) }];
  if (hasTrainTestBoundary(n, trainCount)) {
    splits.push(
      { name: 'train', indices: range(0, trainCount) },
      { name: 'test', indices: range(trainCount, n) },
    );
  }
  return splits;
}

/** Indices of a split restricted to one class (or all classes when label is null). */
export function filterByLabel(d: ImageDataset, indices: Int32Array, label: number | null): Int32Array {
  if (label === null) return indices;
  return indices.filter((i) => d.labels[i] === label);
}

export interface ImagePage {
  /** Index in the data set of each image on the page. */
  indices: Int32Array;
  labels: Int32Array;
  /** count * height * width * channels bytes, NHWC. */
  pixels: Uint8Array;
}

/** Copies `count` images starting at `offset` within `indices` into one compact buffer. */
export function readPage(d: ImageDataset, indices: Int32Array, offset: number, count: number): ImagePage {
  const start = Math.max(0, Math.min(offset, indices.length));
  const chosen = indices.slice(start, Math.min(indices.length, start + Math.max(0, count)));
  const stride = d.height * d.width * d.channels;
  const pixels = new Uint8Array(chosen.length * stride);
  const labels = new Int32Array(chosen.length);
  chosen.forEach((idx, k) => {
    pixels.set(d.pixels.subarray(idx * stride, (idx + 1) * stride), k * stride);
    labels[k] = d.labels[idx];
  });
  return { indices: chosen, labels, pixels };
}
