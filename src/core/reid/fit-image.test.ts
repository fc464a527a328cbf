import { describe, expect, it } from 'vitest';
import { fitImage } from './fit-image';

const rgb = (w: number, h: number, f: (x: number, y: number) => [number, number, number]) => {
  const pixels = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) pixels.set(f(x, y), (y * w + x) * 3);
  return { width: w, height: h, channels: 3 as const, pixels };
};

describe('fitImage', () => {
  it('passes an image of the input size through unchanged', () => {
    const img = rgb(32, 64, (x, y) => [x * 7, y * 3, (x + y) % 256]);
    const { data, box } = fitImage(img, 64, 32);
    expect(box).toEqual({ x: 0, y: 0, width: 32, height: 64 });
    expect(data).toEqual(img.pixels);
  });

  it('averages the source pixels when shrinking', () => {
    // 64 x 128, 2x2 blocks of (0, 100) per column pair: each output pixel is their mean.
    const img = rgb(64, 128, (x) => (x % 2 === 0 ? [0, 0, 0] : [100, 200, 50]));
    const { data } = fitImage(img, 64, 32);
    for (let i = 0; i < 64 * 32; i++) expect([...data.subarray(i * 3, i * 3 + 3)]).toEqual([50, 100, 25]);
  });

  it('keeps the aspect ratio and pads with the fill colour', () => {
    // A square image goes into a 64 x 32 box as 32 x 32, centred vertically.
    const img = rgb(10, 10, () => [255, 255, 255]);
    const { data, box } = fitImage(img, 64, 32, [1, 2, 3]);
    expect(box).toEqual({ x: 0, y: 16, width: 32, height: 32 });
    expect([...data.subarray(0, 3)]).toEqual([1, 2, 3]);
    expect([...data.subarray((20 * 32 + 5) * 3, (20 * 32 + 5) * 3 + 3)]).toEqual([255, 255, 255]);
    expect([...data.subarray((63 * 32 + 31) * 3)]).toEqual([1, 2, 3]);
  });

  it('replicates gray images to RGB and handles huge and tiny inputs', () => {
    const gray = { width: 3, height: 1, channels: 1 as const, pixels: new Uint8Array([10, 20, 30]) };
    expect(fitImage(gray, 64, 32).data.length).toBe(64 * 32 * 3);
    const pixels = new Uint8Array(3000 * 5000 * 3);
    for (let i = 0; i < pixels.length; i++) pixels[i] = i & 255;
    const huge = { width: 3000, height: 5000, channels: 3 as const, pixels };
    expect(fitImage(huge, 64, 32).data.length).toBe(64 * 32 * 3);
    expect(
      fitImage(
        rgb(1, 1, () => [9, 9, 9]),
        64,
        32,
      ).box.width,
    ).toBe(32);
  });

  it('refuses pixel buffers that do not match the size', () => {
    expect(() =>
      fitImage({ width: 4, height: 4, channels: 3, pixels: new Uint8Array(10) }, 64, 32),
    ).toThrow();
  });
});
