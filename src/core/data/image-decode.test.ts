import fc from 'fast-check';
import { encode as encodePng } from 'fast-png';
import { describe, expect, it } from 'vitest';
import { decodeImage } from './image-decode';
import { readImageHeader } from './image-header';
import {
  error,
  GRAY_JPEG_4X3,
  GRAY_JPEG_4X3_PIXELS,
  insertPngChunk,
  makeJpeg,
  makePng,
  makePngHeaderOnly,
  ok,
  PROGRESSIVE_JPEG_5X4,
  patternPixels,
} from './test-fixtures';

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) =>
  Array.from(a).reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

describe('decodeImage: PNG', () => {
  it('decodes 8-bit gray and RGB exactly', () => {
    expect(ok(decodeImage(makePng(3, 2, 1), 'g.png'))).toEqual({
      width: 3,
      height: 2,
      channels: 1,
      pixels: patternPixels(6),
    });
    expect(ok(decodeImage(makePng(5, 4, 3, 9), 'c.png'))).toEqual({
      width: 5,
      height: 4,
      channels: 3,
      pixels: patternPixels(60, 9),
    });
  });

  it('composites alpha over black (RGBA and gray+alpha)', () => {
    const rgba = new Uint8Array([200, 100, 50, 255, 200, 100, 50, 0, 200, 100, 50, 128]);
    const d = ok(decodeImage(encodePng({ width: 3, height: 1, channels: 4, data: rgba }), 'a.png'));
    expect(d.channels).toBe(3);
    expect(Array.from(d.pixels)).toEqual([200, 100, 50, 0, 0, 0, 100, 50, 25]);
    const ga = new Uint8Array([90, 255, 90, 0]);
    expect(
      Array.from(ok(decodeImage(encodePng({ width: 2, height: 1, channels: 2, data: ga }), 'ga.png')).pixels),
    ).toEqual([90, 0]);
  });

  it('narrows 16-bit samples, unpacks 1-bit gray, expands palettes, reads interlaced files', () => {
    const wide = new Uint16Array([0xffff, 0x8000, 0x00ff, 0x1234, 0, 0xabcd]);
    const d16 = ok(
      decodeImage(encodePng({ width: 2, height: 1, channels: 3, depth: 16, data: wide }), 'w.png'),
    );
    expect(Array.from(d16.pixels)).toEqual([0xff, 0x80, 0x00, 0x12, 0, 0xab]);

    // 9 pixels per row so each row ends mid-byte.
    const bits = encodePng({
      width: 9,
      height: 2,
      channels: 1,
      depth: 1,
      data: new Uint8Array([0b10100000, 0x80, 0x7f, 0]),
    });
    const d1 = ok(decodeImage(bits, 'b.png'));
    expect(Array.from(d1.pixels)).toEqual([
      255, 0, 255, 0, 0, 0, 0, 0, 255, 0, 255, 255, 255, 255, 255, 255, 255, 0,
    ]);

    const palette = [
      [255, 0, 0],
      [0, 255, 0],
      [0, 0, 255],
    ];
    const pal = encodePng({
      width: 3,
      height: 1,
      channels: 1,
      depth: 8,
      palette,
      data: new Uint8Array([2, 0, 1]),
    });
    const dp = ok(decodeImage(pal, 'p.png'));
    expect(dp.channels).toBe(3);
    expect(Array.from(dp.pixels)).toEqual([0, 0, 255, 255, 0, 0, 0, 255, 0]);

    // A suggested palette in a truecolour file must not turn its samples into indices.
    const suggested = insertPngChunk(makePng(2, 2, 3, 1), 'PLTE', new Uint8Array([1, 2, 3, 4, 5, 6]));
    expect(ok(decodeImage(suggested, 's.png')).pixels).toEqual(patternPixels(12, 1));
    // Indexed colour without a palette is corrupt.
    expect(new TextDecoder().decode(pal.subarray(37, 41))).toBe('PLTE');
    const noPalette = new Uint8Array([...pal.subarray(0, 33), ...pal.subarray(33 + 12 + 9)]);
    expect(error(decodeImage(noPalette, 'np.png'))).toMatch(
      /np\.png: the PNG uses indexed colour but has no palette/,
    );

    const data = patternPixels(9 * 7 * 3, 4);
    const adam7 = encodePng({ width: 9, height: 7, channels: 3, data }, { interlace: 'Adam7' });
    expect(ok(decodeImage(adam7, 'i.png')).pixels).toEqual(data);
  });

  it('refuses a 10000×10000 PNG from its header, without decoding', () => {
    const huge = makePngHeaderOnly(10000, 10000);
    expect(huge.length).toBeLessThan(100);
    expect(error(decodeImage(huge, 'photo.png'))).toBe(
      'photo.png is 10000×10000 pixels; the limit is 4096 on a side. Resize it first.',
    );
    expect(error(decodeImage(makePng(20, 20, 1), 'm.png', { maxSide: 100, maxPixels: 300 }))).toMatch(
      /m\.png is 20×20 = 400 pixels; the limit is 300 pixels/,
    );
    expect(error(decodeImage(makePngHeaderOnly(0, 5), 'z.png'))).toMatch(/z\.png says it is 0×5 pixels/);
  });

  it('names the file when it is truncated or corrupt', () => {
    const png = makePng(16, 16, 3);
    for (const cut of [10, 30, png.length - 20, png.length - 1]) {
      expect(error(decodeImage(png.subarray(0, cut), 'cut.png'))).toMatch(/cut\.png/);
    }
    const flipped = png.slice();
    flipped[50] ^= 0x55;
    expect(error(decodeImage(flipped, 'bad.png'))).toMatch(/bad\.png could not be decoded as PNG/);
  });
});

describe('decodeImage: JPEG', () => {
  it('decodes colour JPEGs approximately', () => {
    const d = ok(decodeImage(makeJpeg(16, 8, [200, 30, 60]), 'c.jpg'));
    expect(d).toMatchObject({ width: 16, height: 8, channels: 3 });
    const expected = Array.from({ length: 16 * 8 }, () => [200, 30, 60]).flat();
    expect(maxDiff(d.pixels, expected)).toBeLessThanOrEqual(4);
  });

  it('keeps one-component JPEGs grayscale', () => {
    const d = ok(decodeImage(GRAY_JPEG_4X3, 'g.jpg'));
    expect(d).toMatchObject({ width: 4, height: 3, channels: 1 });
    expect(maxDiff(d.pixels, GRAY_JPEG_4X3_PIXELS)).toBeLessThanOrEqual(3);
  });

  it('decodes progressive JPEGs', () => {
    const d = ok(decodeImage(PROGRESSIVE_JPEG_5X4, 'p.jpg'));
    expect(d).toMatchObject({ width: 5, height: 4, channels: 3 });
    expect(maxDiff(d.pixels, Array.from({ length: 20 }, () => [200, 30, 60]).flat())).toBeLessThanOrEqual(4);
  });

  it('refuses oversized JPEGs from the frame header', () => {
    const big = makeJpeg(8, 8, [1, 2, 3]);
    const sof = big.findIndex((b, i) => b === 0xff && big[i + 1] === 0xc0);
    new DataView(big.buffer).setUint16(sof + 5, 9000);
    new DataView(big.buffer).setUint16(sof + 7, 12000);
    expect(error(decodeImage(big, 'cam.jpg'))).toBe(
      'cam.jpg is 12000×9000 pixels; the limit is 4096 on a side. Resize it first.',
    );
  });

  it('names the file when it is truncated or corrupt', () => {
    const jpg = makeJpeg(32, 32, [10, 200, 30]);
    for (const cut of [3, 20, 300, jpg.length - 2])
      expect(error(decodeImage(jpg.subarray(0, cut), 'cut.jpg'))).toMatch(/cut\.jpg/);
    const arithmetic = jpg.slice();
    arithmetic[arithmetic.findIndex((b, i) => b === 0xff && jpg[i + 1] === 0xc0) + 1] = 0xc9;
    expect(error(decodeImage(arithmetic, 'a.jpg'))).toMatch(/arithmetic-coded JPEG/);
  });
});

describe('decodeImage: other input', () => {
  it('explains empty files and other formats', () => {
    expect(error(decodeImage(new Uint8Array(0), 'e.png'))).toBe('e.png is empty (0 bytes).');
    expect(error(decodeImage(new TextEncoder().encode('GIF89a....'), 'x.gif'))).toMatch(
      /x\.gif is a GIF image; only PNG and JPEG are supported/,
    );
    expect(error(decodeImage(new TextEncoder().encode('hello'), 'notes.txt'))).toMatch(
      /notes\.txt is not a PNG or JPEG image/,
    );
  });

  it('reads header sizes and colour kind', () => {
    expect(readImageHeader(makePng(7, 5, 2), 'h.png')).toEqual({
      ok: true,
      value: { format: 'png', width: 7, height: 5, grayscale: true },
    });
    expect(readImageHeader(GRAY_JPEG_4X3, 'g.jpg')).toEqual({
      ok: true,
      value: { format: 'jpeg', width: 4, height: 3, grayscale: true },
    });
  });

  it('never throws on random bytes or damaged images', () => {
    const bases = [
      makePng(6, 5, 3),
      makePng(4, 4, 2),
      makeJpeg(9, 7, [50, 100, 150]),
      GRAY_JPEG_4X3,
      PROGRESSIVE_JPEG_5X4,
    ];
    const prefixes = [
      new Uint8Array(0),
      new Uint8Array([0x89, 0x50, 0x4e, 0x47]),
      new Uint8Array([0xff, 0xd8, 0xff]),
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...prefixes),
        fc.uint8Array({ maxLength: 120 }),
        fc.constantFrom(...bases),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (prefix, random, base, edits, cut) => {
          expect(typeof decodeImage(new Uint8Array([...prefix, ...random]), 'r').ok).toBe('boolean');
          const bytes = base.slice(0, base.length - (cut % 40));
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          expect(typeof decodeImage(bytes, 'd').ok).toBe('boolean');
        },
      ),
      { numRuns: 400 },
    );
  });
});
