import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { encode } from 'fast-png';
import { makeIdx } from '../src/core/data/test-fixtures';

/** A w×h grayscale PNG whose pixels are a simple function of `seed`, so each class looks different. */
export function pngBytes(width: number, height: number, seed: number, channels: 1 | 3 = 1): Buffer {
  const data = new Uint8Array(width * height * channels);
  for (let i = 0; i < data.length; i++) data[i] = (i * (seed + 3) * 7 + seed * 40) % 256;
  return Buffer.from(encode({ width, height, data, channels, depth: 8 }));
}

/** A folder with one sub-folder per class, as a researcher would export a labelled set. */
export function makeClassFolders(classes: Record<string, number>, size = 16): string {
  const root = mkdtempSync(join(tmpdir(), 'ddae-e2e-'));
  const set = join(root, 'shapes');
  Object.entries(classes).forEach(([name, count], k) => {
    mkdirSync(join(set, name), { recursive: true });
    for (let i = 0; i < count; i++)
      writeFileSync(join(set, name, `img_${i}.png`), pngBytes(size, size, k * 10 + i));
  });
  return set;
}

export async function openApp(page: Page, path = '/'): Promise<void> {
  await page.goto(path);
  await expect(page.getByTestId('status-backend')).not.toContainText('starting', { timeout: 60_000 });
}

/**
 * A `fashion-mnist` folder (uploaded as a folder: its name is what marks it as Fashion-MNIST) of idx files (28×28, train and t10k) with two classes a linear probe separates
 * exactly: label 0 lights the top half, label 1 the bottom half, over faint seeded noise.
 */
export function makeTwoClassIdx(train: number, test: number): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'ddae-e2e-')), 'fashion-mnist');
  mkdirSync(dir);
  let seed = 7;
  const noise = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed % 40;
  };
  const write = (prefix: string, n: number) => {
    const pixels = new Uint8Array(n * 784);
    const labels = new Uint8Array(n);
    for (let k = 0; k < n; k++) {
      labels[k] = k % 2;
      for (let i = 0; i < 784; i++) {
        const top = i < 392;
        pixels[k * 784 + i] = top === (labels[k] === 0) ? 215 + noise() : noise();
      }
    }
    writeFileSync(join(dir, `${prefix}-images-idx3-ubyte`), makeIdx(0x08, [n, 28, 28], pixels));
    writeFileSync(join(dir, `${prefix}-labels-idx1-ubyte`), makeIdx(0x08, [n], labels));
  };
  write('train', train);
  write('t10k', test);
  return dir;
}
