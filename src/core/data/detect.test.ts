import fc from 'fast-check';
import { gzipSync, zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { CIFAR10_CLASSES } from './cifar';
import { classCounts } from './dataset';
import { FASHION_MNIST_CLASSES, loadUploadedFiles } from './detect';
import { makeCifarBatch, makeIdx, makePng } from './test-fixtures';

const text = (s: string) => new TextEncoder().encode(s);
const idxImages = (n: number, seed = 0) =>
  makeIdx(
    0x08,
    [n, 2, 2],
    Array.from({ length: 4 * n }, (_, i) => (i + seed) % 256),
  );
const idxLabels = (labels: number[]) => makeIdx(0x08, [labels.length], labels);

describe('loadUploadedFiles: images', () => {
  it('expands a zip of class folders and names the set after its folder', () => {
    const zip = zipSync({
      'shapes/circle/1.png': makePng(3, 3, 1, 1),
      'shapes/circle/2.png': makePng(3, 3, 1, 2),
      'shapes/square/1.png': makePng(3, 3, 1, 3),
      'shapes/.DS_Store': new Uint8Array(4),
    });
    const out = loadUploadedFiles([{ path: 'shapes.zip', bytes: zip }]);
    expect(out.error).toBeUndefined();
    expect(out.problems).toEqual([]);
    expect(out.dataset).toMatchObject({
      name: 'shapes',
      width: 3,
      height: 3,
      channels: 1,
      classNames: ['circle', 'square'],
    });
    expect(out.dataset!.labels).toEqual(new Int32Array([0, 0, 1]));
  });

  it('reads plain files, nested zips, and reports unreadable ones', () => {
    const inner = zipSync({ 'b.png': makePng(2, 2, 3) });
    const out = loadUploadedFiles([
      { path: 'a.png', bytes: makePng(2, 2, 3) },
      { path: 'more.zip', bytes: inner },
      { path: 'broken.zip', bytes: inner.subarray(0, 30) },
      { path: 'x.gz', bytes: gzipSync(text('not idx')) },
    ]);
    expect(out.dataset!.labels.length).toBe(2);
    expect(out.problems.join('\n')).toMatch(/broken\.zip is not a readable zip/);
    expect(out.problems.join('\n')).toMatch(/x\.gz is gzip-compressed but does not hold an IDX file/);
  });

  it('stops at zips nested three deep', () => {
    const deep = zipSync({ 'l2.zip': zipSync({ 'l3.zip': zipSync({ 'c.png': makePng(2, 2, 1) }) }) });
    const out = loadUploadedFiles([
      { path: 'l1.zip', bytes: deep },
      { path: 'a.png', bytes: makePng(2, 2, 1) },
    ]);
    expect(out.dataset!.labels.length).toBe(1);
    expect(out.problems).toEqual([
      'l1/l2/l3.zip is a zip inside a zip inside a zip; skipped. Unpack it first.',
    ]);
  });
});

describe('loadUploadedFiles: IDX', () => {
  it('pairs train/test images with labels by name, train first', () => {
    const out = loadUploadedFiles([
      { path: 'fashion/t10k-labels-idx1-ubyte.gz', bytes: gzipSync(idxLabels([9, 0])) },
      { path: 'fashion/t10k-images-idx3-ubyte.gz', bytes: gzipSync(idxImages(2, 100)) },
      { path: 'fashion/train-images-idx3-ubyte', bytes: idxImages(3) },
      { path: 'fashion/train-labels-idx1-ubyte', bytes: idxLabels([1, 2, 3]) },
    ]);
    expect(out.error).toBeUndefined();
    expect(out.problems).toEqual([]);
    expect(out.trainCount).toBe(3);
    const d = out.dataset!;
    expect(d).toMatchObject({
      name: 'fashion',
      width: 2,
      height: 2,
      channels: 1,
      classNames: FASHION_MNIST_CLASSES,
    });
    expect(d.labels).toEqual(new Int32Array([1, 2, 3, 9, 0]));
    expect(d.pixels.subarray(12, 16)).toEqual(new Uint8Array([100, 101, 102, 103]));
    expect(classCounts(d)[9]).toBe(1);
  });

  it('pairs by count when names do not match, and keeps unmatched images unlabelled', () => {
    const out = loadUploadedFiles([
      { path: 'x-idx', bytes: idxImages(2) },
      { path: 'y-idx', bytes: idxLabels([0, 4]) },
    ]);
    expect(out.dataset!.classNames).toEqual(['0', '1', '2', '3', '4']);
    expect(out.trainCount).toBeUndefined();
    const alone = loadUploadedFiles([
      { path: 'imgs.idx', bytes: idxImages(2) },
      { path: 'labs.idx', bytes: idxLabels([1]) },
    ]);
    expect(alone.dataset!.labels).toEqual(new Int32Array([-1, -1]));
    expect(alone.problems).toEqual([
      'No labels file with 2 entries matches imgs.idx; its images are unlabelled.',
      'labs.idx matches no images file; skipped.',
    ]);
  });

  it('explains broken IDX uploads', () => {
    const noImages = loadUploadedFiles([{ path: 'labels.idx', bytes: idxLabels([1]) }]);
    expect(noImages.error).toMatch(/no images file/);
    const truncated = loadUploadedFiles([
      { path: 'train-images-idx3-ubyte', bytes: idxImages(3).subarray(0, 20) },
    ]);
    expect(truncated.problems[0]).toMatch(
      /train-images-idx3-ubyte: dimensions \[3, 2, 2\] of u8 need 12 data bytes/,
    );
    const mixedSizes = loadUploadedFiles([
      { path: 'a-idx', bytes: idxImages(1) },
      { path: 'b-idx', bytes: makeIdx(0x08, [1, 3, 3], new Uint8Array(9)) },
    ]);
    expect(mixedSizes.error).toMatch(/holds 3×3×1 images but a-idx holds 2×2×1/);
  });
});

describe('loadUploadedFiles: CIFAR-10', () => {
  it('reads batches from a folder, train first, with class names from batches.meta.txt', () => {
    const names = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j'];
    const zip = zipSync({
      'cifar-10-batches-bin/test_batch.bin': makeCifarBatch([7]),
      'cifar-10-batches-bin/data_batch_2.bin': makeCifarBatch([2, 2]),
      'cifar-10-batches-bin/data_batch_1.bin': makeCifarBatch([1]),
      'cifar-10-batches-bin/batches.meta.txt': text(`${names.join('\n')}\n\n`),
      'cifar-10-batches-bin/readme.html': text('<html>'),
    });
    const out = loadUploadedFiles([{ path: 'cifar.zip', bytes: zip }]);
    expect(out.error).toBeUndefined();
    expect(out.dataset).toMatchObject({
      name: 'cifar-10-batches-bin',
      width: 32,
      height: 32,
      channels: 3,
      classNames: names,
    });
    expect(out.dataset!.labels).toEqual(new Int32Array([1, 2, 2, 7]));
    expect(out.trainCount).toBe(3);
    expect(out.problems).toEqual([
      'cifar/cifar-10-batches-bin/readme.html is not an image, IDX or CIFAR-10 file; skipped.',
    ]);
  });

  it('uses the standard class names and reports bad sizes', () => {
    const good = loadUploadedFiles([{ path: 'data_batch_1.bin', bytes: makeCifarBatch([0]) }]);
    expect(good.dataset!.classNames).toEqual(CIFAR10_CLASSES);
    // Label 0 then pixels 0, 8, 1 look like an IDX header; the .bin name and size win.
    const idxLike = makeCifarBatch([0]);
    idxLike.set([0, 0, 8, 1]);
    expect(loadUploadedFiles([{ path: 'b/test_batch.bin', bytes: idxLike }]).dataset!.labels).toEqual(
      new Int32Array([0]),
    );
    const bad = loadUploadedFiles([{ path: 'data_batch_1.bin', bytes: new Uint8Array(3074) }]);
    expect(bad.error).toMatch(/data_batch_1\.bin is 3074 bytes.*remainder 1/);
  });
});

describe('loadUploadedFiles: routing errors', () => {
  it('refuses mixed kinds', () => {
    const out = loadUploadedFiles([
      { path: 'a.png', bytes: makePng(2, 2, 1) },
      { path: 'train-images-idx3-ubyte', bytes: idxImages(1) },
    ]);
    expect(out.dataset).toBeNull();
    expect(out.error).toBe(
      'The upload mixes IDX (MNIST-style) files (train-images-idx3-ubyte) and PNG/JPEG image files (a.png). ' +
        'Upload one kind of data set at a time.',
    );
  });

  it('explains uploads with nothing usable', () => {
    expect(loadUploadedFiles([]).error).toBe('No files were given.');
    expect(loadUploadedFiles([{ path: '.DS_Store', bytes: new Uint8Array(1) }]).error).toBe(
      'No files were given.',
    );
    const junk = loadUploadedFiles([{ path: 'notes.txt', bytes: text('hello') }]);
    expect(junk.error).toMatch(/No image, IDX or CIFAR-10 files/);
    expect(junk.problems).toEqual(['notes.txt is not an image, IDX or CIFAR-10 file; skipped.']);
  });

  it('never throws on random files or damaged archives', () => {
    const zip = zipSync({
      'd/1/a.png': makePng(3, 3, 1),
      'd/2/b.png': makePng(3, 3, 1, 4),
      'd/train-images-idx3-ubyte.gz': gzipSync(idxImages(1)),
    });
    const names = ['a.png', 'b.zip', 'c.bin', 'train-images-idx3-ubyte', 'e.gz', 'f'];
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...names), fc.uint8Array({ maxLength: 80 })), { maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (random, edits, cut) => {
          const out = loadUploadedFiles(random.map(([path, bytes]) => ({ path, bytes })));
          expect(out.dataset !== null || typeof out.error === 'string').toBe(true);
          const damaged = zip.slice(cut % 40);
          for (const [at, v] of edits) damaged[at % damaged.length] = v;
          const out2 = loadUploadedFiles([{ path: 'u.zip', bytes: damaged }]);
          expect(out2.dataset !== null || typeof out2.error === 'string').toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
