import fc from 'fast-check';
import { zipSync } from 'fflate';
import { describe, expect, it } from 'vitest';
import { expandZip, imagesToDataset, inferLabels, naturalCompare } from './image-files';
import { makeJpeg, makePng, makePngHeaderOnly, patternPixels } from './test-fixtures';

const png = (path: string, w = 4, h = 4, channels: 1 | 3 = 1, seed = 0) => ({
  path,
  bytes: makePng(w, h, channels, seed),
});

describe('inferLabels', () => {
  it('uses parent folders, sorted naturally', () => {
    const r = inferLabels(['digits/2/c.png', 'digits/3/a.png', 'digits/10/b.png', 'digits/3/d.png']);
    expect(r.classNames).toEqual(['2', '3', '10']);
    expect(r.labels).toEqual(new Int32Array([0, 1, 2, 1]));
    expect(inferLabels(['train/cat/a.png', 'test/cat/b.png', 'train/dog/c.png']).classNames).toEqual([
      'cat',
      'dog',
    ]);
  });

  it('treats root/class/file with a single class folder as one class', () => {
    const r = inferLabels(['set/cat/a.png', 'set/cat/b.png']);
    expect(r.classNames).toEqual(['cat']);
    expect(r.labels).toEqual(new Int32Array([0, 0]));
  });

  it('falls back to file-name prefixes', () => {
    const r = inferLabels(['pets/cat_01.png', 'pets/dog-02.png', 'pets/cat_03.jpg', 'pets/dog_1-x.png']);
    expect(r.classNames).toEqual(['cat', 'dog']);
    expect(r.labels).toEqual(new Int32Array([0, 1, 0, 1]));
    expect(inferLabels(['3_a.png', '10_b.png', '3-c.png']).classNames).toEqual(['3', '10']);
  });

  it('leaves images unlabelled without a consistent scheme', () => {
    for (const paths of [
      ['a/img_1.png', 'a/img_2.png'],
      ['x.png', 'cat_1.png'],
      ['a.png', 'b.png'],
      ['a.png', 'd/b.png'],
    ]) {
      const r = inferLabels(paths);
      expect(r.classNames).toEqual([]);
      expect(Array.from(r.labels)).toEqual(paths.map(() => -1));
    }
  });

  it('orders numbers numerically', () => {
    expect(['10', '9', 'a2', 'a10', 'a1'].sort(naturalCompare)).toEqual(['9', '10', 'a1', 'a2', 'a10']);
  });
});

describe('imagesToDataset', () => {
  it('builds an exact labelled gray set in path order', () => {
    const out = imagesToDataset(
      [png('d/7/b.png', 3, 2, 1, 2), png('d/7/a.png', 3, 2, 1, 1), png('d/1/z.png', 3, 2, 1, 3)],
      'd',
    );
    expect(out.problems).toEqual([]);
    const d = out.dataset!;
    expect(d).toMatchObject({ name: 'd', width: 3, height: 2, channels: 1, classNames: ['1', '7'] });
    expect(d.labels).toEqual(new Int32Array([0, 1, 1]));
    expect(d.pixels).toEqual(
      new Uint8Array([...patternPixels(6, 3), ...patternPixels(6, 1), ...patternPixels(6, 2)]),
    );
  });

  it('keeps the most common size and lists the others', () => {
    const out = imagesToDataset([png('a.png', 28, 28), png('b.png', 32, 32), png('c.png', 28, 28)], 's');
    expect(out.problems).toEqual(['b.png is 32×32; the set is 28×28, skipped.']);
    expect(out.dataset!.labels.length).toBe(2);
  });

  it('refuses oversized images before they can decide the size', () => {
    const huge = { path: 'big.png', bytes: makePngHeaderOnly(5000, 5000) };
    const out = imagesToDataset([huge, { ...huge, path: 'big2.png' }, png('a.png', 2, 2)], 's');
    expect(out.dataset!.width).toBe(2);
    expect(out.problems).toEqual([
      'big.png is 5000×5000 pixels; the limit is 4096 on a side. Resize it first. Skipped.',
      'big2.png is 5000×5000 pixels; the limit is 4096 on a side. Resize it first. Skipped.',
    ]);
  });

  it('makes the set RGB when any image is colour, expanding gray', () => {
    const jpg = makeJpeg(2, 2, [250, 0, 0]);
    const out = imagesToDataset([png('a.png', 2, 2, 1, 5), { path: 'b.jpg', bytes: jpg }], 'rgb');
    const d = out.dataset!;
    expect(d.channels).toBe(3);
    const gray = patternPixels(4, 5);
    expect(Array.from(d.pixels.subarray(0, 12))).toEqual(Array.from(gray).flatMap((v) => [v, v, v]));
    expect(Math.abs(d.pixels[12] - 250)).toBeLessThanOrEqual(4);
  });

  it('skips non-images and corrupt images with a reason, hidden files silently', () => {
    const broken = makePng(4, 4, 1).slice(0, 40);
    const out = imagesToDataset(
      [
        png('set/a.png'),
        { path: 'set/notes.txt', bytes: new TextEncoder().encode('hi') },
        { path: 'set/.DS_Store', bytes: new Uint8Array(10) },
        { path: '__MACOSX/set/._a.png', bytes: new Uint8Array(10) },
        { path: 'set/broken.png', bytes: broken },
        { path: 'set/anim.gif', bytes: new TextEncoder().encode('GIF89a') },
      ],
      'set',
    );
    expect(out.dataset!.labels.length).toBe(1);
    expect(out.problems).toHaveLength(3);
    const problems = [...out.problems].sort();
    expect(problems[0]).toMatch(/^set\/anim\.gif is a GIF image.*Skipped\.$/);
    expect(problems[1]).toMatch(/^set\/broken\.png could not be decoded as PNG.*Skipped\.$/);
    expect(problems[2]).toMatch(/^set\/notes\.txt is not a PNG or JPEG image.*Skipped\.$/);
  });

  it('errors when nothing survives', () => {
    expect(imagesToDataset([], 'x').error).toMatch(/No files were given/);
    const none = imagesToDataset([{ path: 'a.txt', bytes: new Uint8Array([1]) }], 'x');
    expect(none.dataset).toBeNull();
    expect(none.error).toMatch(/None of the 1 files is a PNG or JPEG image/);
    const corrupt = imagesToDataset([{ path: 'a.png', bytes: makePng(4, 4, 1).slice(0, 60) }], 'x');
    expect(corrupt.error).toMatch(/None of the 1 images could be decoded/);
    expect(corrupt.problems).toHaveLength(1);
  });
});

describe('expandZip', () => {
  it('returns files, skipping directories, __MACOSX and hidden files', () => {
    const zip = zipSync({
      'digits/': new Uint8Array(0),
      'digits/3/a.png': makePng(2, 2, 1),
      'digits/3/.hidden': new Uint8Array([1]),
      '__MACOSX/digits/3/._a.png': new Uint8Array([1]),
      'digits/5/b.png': [makePng(2, 2, 1, 9), { level: 0 }],
    });
    const r = expandZip(zip);
    if (!r.ok) throw new Error(r.error);
    expect(r.value.map((f) => f.path).sort()).toEqual(['digits/3/a.png', 'digits/5/b.png']);
    expect(r.value.find((f) => f.path === 'digits/5/b.png')!.bytes).toEqual(makePng(2, 2, 1, 9));
  });

  it('guards against zip bombs and corrupt archives', () => {
    const bomb = zipSync({ 'a.bin': new Uint8Array(3_000_000), 'b.bin': new Uint8Array(3_000_000) });
    expect(bomb.length).toBeLessThan(20_000);
    const big = expandZip(bomb, 'bomb.zip', { maxTotalBytes: 5_000_000, maxEntries: 100 });
    expect(big.ok ? '' : big.error).toMatch(/bomb\.zip expands to more than 4\.8 MB, the limit/);
    const many = expandZip(
      zipSync({ a: new Uint8Array(1), b: new Uint8Array(1), c: new Uint8Array(1) }),
      'm.zip',
      {
        maxTotalBytes: 1e9,
        maxEntries: 2,
      },
    );
    expect(many.ok ? '' : many.error).toMatch(/more than 2 entries/);
    const cut = expandZip(bomb.subarray(0, 100), 'cut.zip');
    expect(cut.ok ? '' : cut.error).toMatch(/cut\.zip is not a readable zip archive/);
  });

  it('never throws on random or damaged archives', () => {
    const valid = zipSync({
      'a/x.png': makePng(3, 3, 1),
      'b.txt': new TextEncoder().encode('hello hello hello'),
    });
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 100 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }),
        fc.nat(),
        (random, edits, cut) => {
          expect(typeof expandZip(random).ok).toBe('boolean');
          const bytes = valid.slice(cut % 30);
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          expect(typeof expandZip(bytes, 'z', { maxTotalBytes: 1e7, maxEntries: 1000 }).ok).toBe('boolean');
        },
      ),
      { numRuns: 400 },
    );
  });
});
