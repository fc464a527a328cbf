import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { gzipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { classCounts } from './dataset';
import { gunzipCapped } from './gzip';
import { idxToDataset, parseIdx } from './idx';
import { error, makeIdx, ok } from './test-fixtures';

describe('parseIdx', () => {
  it('reads every dtype big-endian', () => {
    expect(ok(parseIdx(makeIdx(0x08, [2, 2], [0, 1, 254, 255])))).toEqual({
      dtype: 'u8',
      dims: [2, 2],
      data: new Uint8Array([0, 1, 254, 255]),
    });
    expect(ok(parseIdx(makeIdx(0x09, [3], [-128, 0, 127]))).data).toEqual(new Int8Array([-128, 0, 127]));
    expect(ok(parseIdx(makeIdx(0x0b, [3], [-300, 258, 32767]))).data).toEqual(
      new Int16Array([-300, 258, 32767]),
    );
    expect(ok(parseIdx(makeIdx(0x0c, [2], [-70000, 2 ** 30]))).data).toEqual(
      new Int32Array([-70000, 2 ** 30]),
    );
    expect(ok(parseIdx(makeIdx(0x0d, [2], [1.5, -2.25]))).data).toEqual(new Float32Array([1.5, -2.25]));
    expect(ok(parseIdx(makeIdx(0x0e, [1, 2], [Math.PI, -1e300]))).data).toEqual(
      new Float64Array([Math.PI, -1e300]),
    );
  });

  it('gunzips .gz input transparently', () => {
    const raw = makeIdx(0x08, [2, 3], [1, 2, 3, 4, 5, 6]);
    expect(ok(parseIdx(gzipSync(raw)))).toEqual(ok(parseIdx(raw)));
  });

  it('explains malformed files', () => {
    expect(error(parseIdx(new Uint8Array([0, 0]), 'x'))).toMatch(/x is 2 bytes, too short/);
    expect(error(parseIdx(new Uint8Array([0x50, 0x4b, 3, 4, 0, 0]), 'a.zip'))).toMatch(
      /not an IDX file: it starts with 50 4b 03 04/,
    );
    expect(error(parseIdx(new Uint8Array([0, 0, 0x07, 1, 0, 0, 0, 0])))).toMatch(/not an IDX file/);
    expect(error(parseIdx(new Uint8Array([0, 0, 8, 0])))).toMatch(/0 dimensions/);
    expect(error(parseIdx(new Uint8Array([0, 0, 8, 3, 0, 0, 0, 1])))).toMatch(
      /too short for its 3-dimension header \(16 bytes\)/,
    );
    const truncated = makeIdx(0x0b, [2, 2], [1, 2, 3, 4]).subarray(0, 15);
    expect(error(parseIdx(truncated, 'f'))).toMatch(
      /f: dimensions \[2, 2\] of i16 need 8 data bytes, but the file has 3/,
    );
    const extra = new Uint8Array([...makeIdx(0x08, [1], [1]), 9]);
    expect(error(parseIdx(extra))).toMatch(/need 1 data bytes, but the file has 2/);
  });

  it('explains corrupt and truncated gzip', () => {
    const gz = gzipSync(
      makeIdx(
        0x08,
        [100],
        new Uint8Array(100).map((_, i) => i),
      ),
    );
    expect(error(parseIdx(gz.subarray(0, 12), 'a.gz'))).toMatch(/a\.gz/);
    const bad = gz.slice();
    bad[12] ^= 0xff;
    bad[13] ^= 0xff;
    expect(parseIdx(bad, 'b.gz').ok).toBe(false);
  });

  it('caps decompressed size', () => {
    const bomb = gzipSync(new Uint8Array(5_000_000));
    expect(error(gunzipCapped(bomb, 'bomb.gz', 1_000_000))).toMatch(
      /bomb\.gz decompresses to more than 976\.6 KB, the limit/,
    );
    expect(ok(gunzipCapped(bomb, 'bomb.gz', 5_000_000)).length).toBe(5_000_000);
  });

  it('never throws on random bytes or damaged files', () => {
    const valid = makeIdx(0x0b, [3, 2], [1, -2, 3, -4, 5, -6]);
    const gz = gzipSync(valid);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 64 }),
        fc.constantFrom(valid, gz),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (random, base, edits, cut) => {
          expect(typeof parseIdx(random).ok).toBe('boolean');
          const bytes = base.slice(0, cut % (base.length + 1));
          for (const [at, v] of edits) if (bytes.length) bytes[at % bytes.length] = v;
          expect(typeof parseIdx(bytes).ok).toBe('boolean');
        },
      ),
      { numRuns: 400 },
    );
  });
});

describe('idxToDataset', () => {
  const images = makeIdx(
    0x08,
    [3, 2, 2],
    Array.from({ length: 12 }, (_, i) => i * 10),
  );

  it('pairs images with labels', () => {
    const d = ok(idxToDataset(images, gzipSync(makeIdx(0x08, [3], [2, 0, 2])), 'tiny'));
    expect(d).toMatchObject({ name: 'tiny', height: 2, width: 2, channels: 1, classNames: ['0', '1', '2'] });
    expect(d.labels).toEqual(new Int32Array([2, 0, 2]));
    expect(d.pixels).toEqual(new Uint8Array(Array.from({ length: 12 }, (_, i) => i * 10)));
    expect(classCounts(d)).toEqual([1, 0, 2]);
  });

  it('accepts [N,H,W,3] and missing labels', () => {
    const rgb = makeIdx(0x08, [1, 1, 2, 3], [1, 2, 3, 4, 5, 6]);
    const d = ok(idxToDataset(rgb, null, 'rgb'));
    expect(d).toMatchObject({ height: 1, width: 2, channels: 3, classNames: [] });
    expect(d.labels).toEqual(new Int32Array([-1]));
  });

  it('explains unusable pairs', () => {
    expect(error(idxToDataset(images, makeIdx(0x08, [4], [0, 1, 2, 3]), 'm'))).toMatch(
      /holds 3 images but the labels file holds 4 labels/,
    );
    expect(error(idxToDataset(images, makeIdx(0x08, [3, 1], [0, 1, 2]), 'm'))).toMatch(/one dimension/);
    expect(error(idxToDataset(images, makeIdx(0x0c, [3], [0, 1, 2]), 'm'))).toMatch(/labels are i32/);
    expect(error(idxToDataset(makeIdx(0x08, [1, 1, 1, 2], [0, 0]), null, 'm'))).toMatch(/1 or 3 channels/);
    expect(error(idxToDataset(makeIdx(0x08, [4], [0, 0, 0, 0]), null, 'm'))).toMatch(
      /expected \[N, height, width\]/,
    );
    expect(error(idxToDataset(makeIdx(0x0d, [1, 1, 1], [0]), null, 'm'))).toMatch(/images are f32/);
    expect(error(idxToDataset(makeIdx(0x08, [0, 28, 28], []), null, 'm'))).toMatch(/no pixels/);
    expect(error(idxToDataset(images, new Uint8Array(3), 'm'))).toMatch(/m labels is 3 bytes/);
  });
});

const FASHION = '/usr/share/datasets/fashion-mnist';

describe('Fashion-MNIST from the Debian package', () => {
  it.skipIf(!existsSync(FASHION))('reads train and test idx.gz files', () => {
    const read = (f: string) => new Uint8Array(readFileSync(join(FASHION, f)));
    const train = ok(
      idxToDataset(
        read('train-images-idx3-ubyte.gz'),
        read('train-labels-idx1-ubyte.gz'),
        'Fashion-MNIST train',
      ),
    );
    expect(train).toMatchObject({ height: 28, width: 28, channels: 1 });
    expect(train.labels.length).toBe(60000);
    expect(train.pixels.length).toBe(60000 * 28 * 28);
    expect(train.classNames).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
    expect(classCounts(train)).toEqual(new Array(10).fill(6000));
    const test = ok(
      idxToDataset(read('t10k-images-idx3-ubyte.gz'), read('t10k-labels-idx1-ubyte.gz'), 'test'),
    );
    expect(test.labels.length).toBe(10000);
    expect(classCounts(test)).toEqual(new Array(10).fill(1000));
    // Plausible pixels: mostly dark background, some bright foreground.
    let sum = 0;
    for (let i = 0; i < 784 * 100; i++) sum += test.pixels[i];
    const mean = sum / (784 * 100);
    expect(mean).toBeGreaterThan(30);
    expect(mean).toBeLessThan(120);
  });
});
