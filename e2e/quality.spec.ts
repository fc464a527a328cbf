import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { openApp } from './helpers';

test('the shipped UNet scores 8 samples: FID beside the floor and the model card, histogram, JSON export', async ({
  page,
}, info) => {
  await openApp(page, '/?backend=wasm#/sampling?steps=2&batch=4&qn=8&seed=1');
  const section = page.getByTestId('quality-section');
  // The shipped model is chosen by default; its card's figures show before any score.
  await expect(page.getByTestId('model-list')).toContainText('(shipped)');
  await expect(page.getByTestId('card-fid')).toHaveText(/^\d+(\.\d+)?$/);
  await expect(page.getByTestId('quality-count')).toHaveValue('8');
  // Before anything is sampled, the card shows how the model was trained and the grid it shipped with.
  const card = JSON.parse(readFileSync('public/models/mnist-unet-small/model.json', 'utf8'));
  await expect(page.getByTestId('model-card-training')).toContainText(
    `${card.training.steps.toLocaleString('en-US')} steps at batch ${card.training.batchSize}`,
  );
  await expect(page.getByTestId('model-card')).toContainText(card.status);
  await expect
    .poll(() => page.getByTestId('model-card-samples').evaluate((img: HTMLImageElement) => img.naturalWidth))
    .toBe(readFileSync(`public/models/mnist-unet-small/${card.samplesImage}`).readUInt32BE(16)); // PNG width

  await page.getByTestId('quality-score').click();
  await expect(page.getByTestId('quality-fid')).toHaveText(/^\d+(\.\d+)?$/, { timeout: 110_000 });
  await expect(page.getByTestId('quality-floor')).toHaveText(/^\d\.\d\d$/);
  await expect(page.getByTestId('quality-confident')).toHaveText(/^\d+\.\d%$/);
  await expect(page.getByTestId('quality-summary')).toContainText('8 samples');
  await expect(page.getByTestId('quality-summary')).toContainText('on wasm');
  await expect(page.getByTestId('quality-histogram').locator('rect')).toHaveCount(10);
  await expect(page.getByTestId('quality-samples')).toBeVisible();
  // The CLI command that reproduces the figures (`npm run evaluate` draws the same samples).
  await expect(section).toContainText(
    'npm run evaluate -- --model public/models/mnist-unet-small/model.safetensors --samples 8 --batch 4 --sampler ddim --steps 2 --eta 0 --seed 1',
  );
  await expect(page.getByTestId('status-last-job')).toContainText('Sample quality');
  await section.screenshot({ path: info.outputPath('sample-quality.png') });
  await page.screenshot({ path: info.outputPath('sampling-panel.png'), fullPage: true });

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('quality-export').click(),
  ]);
  const report = JSON.parse(readFileSync((await download.path()) as string, 'utf8'));
  expect(report.samples.count).toBe(8);
  expect(Object.values(report.classCounts).reduce((a: number, b) => a + (b as number), 0)).toBe(8);
  expect(report.floor.classifierFid).toBeLessThan(report.samples.classifierFid);
  expect(report.reference.images).toBe(2000);
  expect(report.modelCard.samples.count).toBe(1000);
  expect(report.preview).toBeUndefined();
  expect(report.evaluateCommand).toMatch(/^npm run evaluate -- --model public\/models\/mnist-unet-small/);
});

test('a non-MNIST model is refused; a score can be cancelled', async ({ page }) => {
  await openApp(page, '/?backend=wasm#/sampling?steps=50&qn=500');
  await page
    .getByTestId('import-checkpoint')
    .setInputFiles(join(process.cwd(), 'src/core/diffusion/dit/fixtures/dit_tiny_uncond.safetensors'));
  await expect(page.getByTestId('model-list')).toContainText('DIT · 2×16×16');
  await expect(page.getByTestId('quality-refusal')).toContainText('1×28×28');
  await expect(page.getByTestId('quality-refusal')).toContainText('2×16×16');
  await expect(page.getByTestId('quality-score')).toBeDisabled();

  await page
    .getByTestId('model-list')
    .getByRole('button', { name: /shipped/ })
    .first()
    .click();
  await expect(page.getByTestId('quality-refusal')).toHaveCount(0);
  await page.getByTestId('quality-score').click();
  await expect(page.getByTestId('quality-section').getByTestId('job-progress')).toBeVisible();
  await page.getByTestId('quality-section').getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('quality-score')).toBeEnabled({ timeout: 60_000 });
  await expect(page.getByTestId('status-last-job')).toContainText('cancelled');
  await expect(page.getByTestId('quality-error')).toHaveCount(0);
  await expect(page.getByTestId('quality-fid')).toHaveCount(0);
});
