import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { makePngHeaderOnly } from '../src/core/data/test-fixtures';
import { makeClassFolders, openApp, pngBytes } from './helpers';

test('the embedded MNIST browses as a paged grid with labels, splits and class counts', async ({ page }) => {
  await openApp(page, '/#/data');
  await page.getByTestId('load-mnist').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('10,000');
  await expect(page.getByTestId('dataset-summary')).toContainText('8,000 train / 2,000 test');
  const grid = page.getByTestId('image-grid');
  await expect(grid).toHaveAttribute('data-count', '100');
  const counts = await page.getByTestId('class-counts').getAttribute('aria-label');
  const total = [...(counts ?? '').matchAll(/(\d) (\d+)/g)].reduce((s, m) => s + Number(m[2]), 0);
  expect(total).toBe(10_000);

  await page.getByTestId('split-select').selectOption('test');
  await expect(page.getByTestId('page-info')).toContainText('of 20 · 2,000 images');
  await page.getByTestId('class-select').selectOption('7');
  await expect(grid).toHaveAttribute('aria-label', /^\d+ images with labels 7, 7, 7/);
  await page.getByTestId('next-page').click();
  await expect(page).toHaveURL(/split=test&class=7&page=1/);

  // The grid really shows digits: the canvas has ink, not a blank page.
  const inked = await grid.evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let bright = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 128 && d[i + 3] > 0) bright++;
    return bright;
  });
  expect(inked).toBeGreaterThan(1000);

  await page.getByTestId('compute-stats').click();
  await expect(page.getByTestId('mean-0')).toHaveText(/^0\.1[0-5]\d\d$/, { timeout: 60_000 });
  await expect(page.getByTestId('status-last-job')).toContainText('Data statistics');
});

test('a folder of PNGs with class sub-folders uploads, browses, and survives a reload', async ({ page }) => {
  const folder = makeClassFolders({ circle: 5, square: 3, triangle: 4 });
  await openApp(page, '/#/data');
  await page.getByTestId('upload-folder').setInputFiles(folder);
  await expect(page.getByTestId('dataset-count')).toHaveText('12');
  await expect(page.getByTestId('class-counts')).toHaveAttribute(
    'aria-label',
    'Images per class: circle 5, square 3, triangle 4',
  );
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-count', '12');

  await page.reload();
  await expect(page.getByTestId('dataset-list')).toContainText('saved');
  await expect(page.getByTestId('dataset-count')).toHaveText('12');
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-count', '12');
});

test('a corrupt file gives a clear error and the app keeps working', async ({ page }, info) => {
  mkdirSync(info.outputDir, { recursive: true });
  const bad = join(info.outputDir, 'broken.png');
  const good = pngBytes(8, 8, 1);
  writeFileSync(bad, Buffer.concat([good.subarray(0, 40), Buffer.from('not the rest of a png')]));
  await openApp(page, '/#/data');
  await page.getByTestId('upload-files').setInputFiles(bad);
  await expect(page.getByTestId('data-error')).toContainText('broken.png');

  // A mix of good and bad files keeps the good ones and lists the bad ones.
  const mixedGood = join(info.outputDir, 'a_1.png');
  writeFileSync(mixedGood, pngBytes(8, 8, 2));
  const mixedGood2 = join(info.outputDir, 'b_1.png');
  writeFileSync(mixedGood2, pngBytes(8, 8, 3));
  const text = join(info.outputDir, 'notes.txt');
  writeFileSync(text, 'hello');
  await page.getByTestId('upload-files').setInputFiles([mixedGood, mixedGood2, text]);
  await expect(page.getByTestId('dataset-count')).toHaveText('2');
  await expect(page.getByTestId('data-problems')).toContainText('notes.txt');

  await page.getByTestId('load-mnist').click();
  await expect(page.getByTestId('dataset-count')).toHaveText('10,000');
  await expect(page.getByTestId('status-backend')).toContainText('webgpu');
});

test('a 10000×10000 image is refused by name without stalling the app', async ({ page }, info) => {
  mkdirSync(info.outputDir, { recursive: true });
  const huge = join(info.outputDir, 'huge.png');
  writeFileSync(huge, makePngHeaderOnly(10000, 10000));
  const small = [1, 2].map((k) => {
    const path = join(info.outputDir, `dot_${k}.png`);
    writeFileSync(path, pngBytes(12, 12, k));
    return path;
  });
  await openApp(page, '/#/data');
  await page.getByTestId('upload-files').setInputFiles([huge, ...small]);
  await expect(page.getByTestId('dataset-count')).toHaveText('2');
  await expect(page.getByTestId('data-problems')).toContainText('huge.png is 10000×10000 pixels');
  await page.getByTestId('upload-files').setInputFiles(huge);
  await expect(page.getByTestId('data-error')).toContainText('Resize it first');
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-count', '2');
});
