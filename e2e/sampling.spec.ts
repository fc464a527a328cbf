import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { openApp } from './helpers';

const GOLDEN = join(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');

async function importGolden(page: Page): Promise<void> {
  await page.getByTestId('import-checkpoint').setInputFiles(GOLDEN);
  await expect(page.getByTestId('model-list')).toContainText('ddae_unet_mnist_tiny');
  await expect(page.getByTestId('model-list')).toContainText('1.11M params');
}

/** A digest of what a canvas shows, to compare two runs. */
const canvasDigest = (page: Page, testId: string) =>
  page.getByTestId(testId).evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let h = 0;
    for (let i = 0; i < d.length; i++) h = (h * 31 + d[i]) | 0;
    return h;
  });

test('an official DDAE checkpoint imports and samples on wasm: streamed steps, scrubber, same seed same images', async ({
  page,
}) => {
  await openApp(page, '/?backend=wasm#/sampling?steps=10&batch=4&seed=3');
  await importGolden(page);
  await page.getByTestId('sample-button').click();
  await expect(page.getByTestId('scrubber')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('frame-info')).toContainText('step 10 of 10 · t = 0');
  await expect(page.getByTestId('frame-info')).toContainText('per step');
  const final = await canvasDigest(page, 'x0-grid');

  await page.getByTestId('scrubber').fill('0');
  await expect(page.getByTestId('frame-info')).toContainText('step 1 of 10 · t = 801');
  expect(await canvasDigest(page, 'x0-grid')).not.toBe(final);

  // The same seed gives the same images; the status bar shows the last job.
  await page.getByTestId('sample-button').click();
  await expect(page.getByTestId('frame-info')).toContainText('step 10 of 10', { timeout: 90_000 });
  await expect(page.getByTestId('scrubber')).toBeVisible();
  expect(await canvasDigest(page, 'x0-grid')).toBe(final);
  await expect(page.getByTestId('status-last-job')).toContainText('Sample');

  // The model survives a reload.
  await page.reload();
  await expect(page.getByTestId('model-list')).toContainText('saved');
});

test('sampling runs on WebGPU, compiling shaders first, and can be cancelled', async ({ page }) => {
  await openApp(page, '/#/sampling?steps=2&batch=1');
  await importGolden(page);
  await page.getByTestId('sample-button').click();
  await expect(page.getByTestId('frame-info')).toContainText('after compiling shaders in', {
    timeout: 90_000,
  });
  await page.getByTestId('steps-input').fill('50');
  await page.getByTestId('sample-button').click();
  await expect(page.getByTestId('frame-info')).toContainText('step 1 of 50', { timeout: 90_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('sample-button')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('status-last-job')).toContainText('cancelled');
  await expect(page.getByTestId('status-backend')).toContainText('webgpu');
});

test('a damaged or mismatched checkpoint is refused with a clear message and loads nothing', async ({
  page,
}, info) => {
  await openApp(page, '/?backend=wasm#/sampling');
  const bytes = readFileSync(GOLDEN);
  const truncated = join(info.outputDir, 'truncated.safetensors');
  const notWeights = join(info.outputDir, 'notes.txt');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(info.outputDir, { recursive: true });
  writeFileSync(truncated, bytes.subarray(0, 5000));
  writeFileSync(notWeights, 'hello');
  await page.getByTestId('import-checkpoint').setInputFiles(truncated);
  await expect(page.getByTestId('sampling-error')).toContainText('truncated');
  await page.getByTestId('import-checkpoint').setInputFiles(notWeights);
  await expect(page.getByTestId('sampling-error')).toContainText('not a checkpoint');
  // The shipped models may be listed; neither refused file may be.
  await expect(page.getByTestId('model-list').filter({ hasText: /truncated|notes/ })).toHaveCount(0);
  await importGolden(page);
});

test('a DiT checkpoint imports and samples too', async ({ page }) => {
  await openApp(page, '/?backend=wasm#/sampling?steps=3&batch=2');
  await expect(page.getByTestId('steps-hint')).toContainText('3 steps run as 4');
  await page
    .getByTestId('import-checkpoint')
    .setInputFiles(join(process.cwd(), 'src/core/diffusion/dit/fixtures/dit_tiny_uncond.safetensors'));
  await expect(page.getByTestId('model-list')).toContainText('DIT · 2×16×16');
  await page.getByTestId('sample-button').click();
  await expect(page.getByTestId('frame-info')).toContainText('step 4 of 4 · t = 0', { timeout: 60_000 });
  await expect(page.getByTestId('scrubber')).toBeVisible();
});
