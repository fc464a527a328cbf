import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FASHION_MNIST_CLASSES } from '../../src/core/data/detect';
import { makeIdx, makePng } from '../../src/core/data/test-fixtures';
import { loadCliData } from './node-data';

const dir = mkdtempSync(join(tmpdir(), 'node-data-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const images = (n: number) =>
  makeIdx(
    0x08,
    [n, 2, 2],
    Array.from({ length: 4 * n }, (_, i) => i % 256),
  );
const labels = (l: number[]) => makeIdx(0x08, [l.length], l);

describe('loadCliData on a folder', () => {
  it('names the data set after the folder, as a browser folder upload does, and keeps its train/test split', async () => {
    const folder = join(dir, 'fashion-mnist');
    mkdirSync(folder);
    writeFileSync(join(folder, 'train-images-idx3-ubyte'), images(3));
    writeFileSync(join(folder, 'train-labels-idx1-ubyte'), labels([1, 2, 3]));
    writeFileSync(join(folder, 't10k-images-idx3-ubyte'), images(2));
    writeFileSync(join(folder, 't10k-labels-idx1-ubyte'), labels([9, 0]));
    for (const arg of [folder, `${folder}/`]) {
      const d = await loadCliData(arg);
      expect(d.dataset.name).toBe('fashion-mnist');
      expect(d.dataset.classNames).toEqual(FASHION_MNIST_CLASSES);
      expect([...d.train]).toEqual([0, 1, 2]);
      expect([...d.test]).toEqual([3, 4]);
      expect([...d.dataset.labels]).toEqual([1, 2, 3, 9, 0]);
    }
  });

  it('labels a folder of class folders by the class folder, not the folder given', async () => {
    const folder = join(dir, 'digits');
    for (const [cls, n] of [
      ['3', 3],
      ['7', 2],
    ] as const) {
      mkdirSync(join(folder, cls), { recursive: true });
      for (let i = 0; i < n; i++) writeFileSync(join(folder, cls, `${i}.png`), makePng(4, 4, 1, i * 10));
    }
    const d = await loadCliData(folder);
    expect(d.dataset.name).toBe('digits');
    expect(d.dataset.classNames).toEqual(['3', '7']);
    expect([...d.dataset.labels].sort()).toEqual([0, 0, 0, 1, 1]);
  });
});
