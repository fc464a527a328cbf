import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES, parseCifar10Batches } from './cifar';
import { classCounts } from './dataset';
import { error, makeCifarBatch, makeCifarRecord, ok } from './test-fixtures';

describe('parseCifar10Batches', () => {
  it('converts planar RGB records to NHWC across several files', () => {
    const d = ok(
      parseCifar10Batches([
        { name: 'data_batch_1.bin', bytes: makeCifarBatch([3, 9]) },
        { name: 'test_batch.bin', bytes: makeCifarRecord(0, 7) },
      ]),
    );
    expect(d).toMatchObject({ height: 32, width: 32, channels: 3, classNames: CIFAR10_CLASSES });
    expect(d.labels).toEqual(new Int32Array([3, 9, 0]));
    expect(d.pixels.length).toBe(3 * 32 * 32 * 3);
    expect(classCounts(d)).toEqual([1, 0, 0, 1, 0, 0, 0, 0, 0, 1]);
    // Image i, pixel p, channel c was (p + 50 c + seed) % 256, seed = i within its file.
    const px = (image: number, p: number, c: number) => d.pixels[image * 3072 + p * 3 + c];
    expect([px(0, 0, 0), px(0, 0, 1), px(0, 0, 2)]).toEqual([0, 50, 100]);
    expect([px(1, 33, 0), px(1, 33, 1), px(1, 33, 2)]).toEqual([34, 84, 134]);
    expect([px(2, 1023, 0), px(2, 1023, 1), px(2, 1023, 2)]).toEqual([
      (1023 + 7) % 256,
      (1073 + 7) % 256,
      (1123 + 7) % 256,
    ]);
  });

  it('accepts custom class names', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    expect(ok(parseCifar10Batches([{ name: 'x.bin', bytes: makeCifarRecord(5) }], names)).classNames).toEqual(
      names,
    );
  });

  it('explains bad sizes, labels and empty input', () => {
    expect(error(parseCifar10Batches([]))).toMatch(/No CIFAR-10 batch files/);
    const short = makeCifarBatch([1, 2]).subarray(0, 3073 + 100);
    expect(error(parseCifar10Batches([{ name: 'data_batch_2.bin', bytes: short }]))).toMatch(
      /data_batch_2\.bin is 3173 bytes, not a whole number of 3073-byte CIFAR-10 records \(remainder 100\)/,
    );
    expect(error(parseCifar10Batches([{ name: 'e.bin', bytes: new Uint8Array(0) }]))).toMatch(
      /e\.bin is 0 bytes/,
    );
    expect(error(parseCifar10Batches([{ name: 'b.bin', bytes: makeCifarBatch([1, 10]) }]))).toMatch(
      /b\.bin, record 1: label 10 is out of range \(0-9\)/,
    );
  });

  it('never throws on random or damaged input', () => {
    const valid = makeCifarBatch([1, 2]);
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 7000 }),
        fc.nat({ max: valid.length }),
        fc.nat(),
        (random, cut, at) => {
          expect(typeof parseCifar10Batches([{ name: 'r.bin', bytes: random }]).ok).toBe('boolean');
          const damaged = valid.slice(0, cut);
          if (damaged.length) damaged[at % damaged.length] = 255;
          expect(typeof parseCifar10Batches([{ name: 'd.bin', bytes: damaged }]).ok).toBe('boolean');
        },
      ),
      { numRuns: 200 },
    );
  });
});
