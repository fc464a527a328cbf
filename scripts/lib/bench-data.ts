import type { ImageDataset } from '../../src/core/data/dataset';

/**
 * `n` deterministic 28x28 pseudo-random "digits" labelled 0-9 in turn: throughput does not depend on the
 * content, and the benchmarks need no data set on disk.
 */
export function randomDigits(n: number): ImageDataset {
  const pixels = new Uint8Array(n * 784);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return {
    name: 'bench',
    height: 28,
    width: 28,
    channels: 1,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    classNames: [],
  };
}
