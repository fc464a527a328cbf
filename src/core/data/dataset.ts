/**
 * An in-memory labelled image set, as every loader produces it. Pixels are uint8 NHWC so that a
 * 60k-image set stays compact (47 MB for Fashion-MNIST) and converts to float tensors per batch.
 */
export interface ImageDataset {
  /** Human-readable name, e.g. "MNIST (embedded)" or the uploaded folder's name. */
  name: string;
  height: number;
  width: number;
  /** 1 (grayscale) or 3 (RGB). */
  channels: number;
  /** N * height * width * channels bytes, NHWC, row-major. */
  pixels: Uint8Array;
  /** One label per image: an index into classNames, or -1 when unknown. */
  labels: Int32Array;
  /** Names of the classes, indexed by label. Empty when no labels are known. */
  classNames: string[];
}

/** Counts of images per class (index = label); images with label -1 are not counted. */
export function classCounts(d: ImageDataset): number[] {
  const counts = new Array<number>(d.classNames.length).fill(0);
  for (const l of d.labels) if (l >= 0 && l < counts.length) counts[l]++;
  return counts;
}
