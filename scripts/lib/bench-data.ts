import type { ImageDataset } from '../../src/core/data/dataset';

/**
 * `n` deterministic size x size (default 28) pseudo-random "digits" labelled 0-9 in turn: throughput does
 * not depend on the content, and the benchmarks and thread tests need no data set on disk.
 */
export function randomDigits(n: number, size = 28): ImageDataset {
  const pixels = new Uint8Array(n * size * size);
  for (let i = 0; i < pixels.length; i++) pixels[i] = (i * 2654435761) >>> 24;
  return {
    name: 'bench',
    height: size,
    width: size,
    channels: 1,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => i % 10),
    classNames: [],
  };
}
