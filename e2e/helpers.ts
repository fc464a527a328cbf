import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, type Page } from '@playwright/test';
import { encode } from 'fast-png';

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
