import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { makeClassFolders, openApp } from './helpers';

const GOLDEN = join(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');

/**
 * The tiniest run that still shows everything: embedded MNIST, the tiny DiT (a fraction of a second per
 * step; the tiny UNet takes seconds on a loaded 2-core machine), batch 4, on wasm (WebGPU here is
 * SwiftShader, far slower than wasm on the same CPU).
 */
const RUN = '/?backend=wasm#/training?arch=dit&tbatch=4&tsteps=200&pvery=2&pvn=4&pvs=2&tsave=2';

/** Set TRAINING_SHOTS=dir to keep screenshots of the panel's states for a look. */
async function shot(page: Page, name: string): Promise<void> {
  const dir = process.env.TRAINING_SHOTS;
  if (dir) await page.screenshot({ path: `${dir}/training-${name}.png`, fullPage: true });
}

const stepOf = async (page: Page) => Number(await page.getByTestId('train-step').textContent());

test('trains the tiny DiT on MNIST: live loss and previews, checkpoints, Use in Sampling, resume after a reload', async ({
  page,
}) => {
  await openApp(page, RUN);
  await expect(page.getByTestId('train-batch')).toHaveValue('4');
  await expect(page.getByTestId('train-steps')).toHaveValue('200');
  await shot(page, 'idle');
  await page.getByTestId('train-schedule').selectOption('cosine');

  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-summary')).toContainText('DiT tiny · MNIST', { timeout: 60_000 });
  await expect(page.getByTestId('run-summary')).toContainText('cosine to 0 at step 200');
  await expect(page.getByTestId('train-pause')).toBeVisible();
  // The step counter and the curve advance while the UI stays responsive.
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[2-9]/);
  await expect(page.getByTestId('train-stats')).toContainText('steps/s');
  // The status bar shows the run from every panel.
  await expect(page.getByTestId('status-training')).toContainText(/training DiT tiny.*steps\/s/);
  // Step 2 brings a preview from the EMA weights and an automatic checkpoint.
  await expect(page.getByTestId('train-preview')).toHaveAttribute('data-count', '4', { timeout: 60_000 });
  await expect(page.getByTestId('checkpoint-row').first()).toContainText('/200', { timeout: 60_000 });
  await shot(page, 'running');

  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-start')).toBeVisible({ timeout: 60_000 });
  await expect(page.locator('.phase')).toHaveText('stopped');
  const stoppedAt = await stepOf(page);
  // Stopping frees the networks, the optimizer state and the previews' tensors.
  await expect(page.getByTestId('num-tensors')).toHaveText('0');
  expect(stoppedAt).toBeLessThan(200);
  const rows = page.getByTestId('checkpoint-row');
  await expect(rows.first()).toContainText(`${stoppedAt}/200`);
  await shot(page, 'stopped');

  await rows.first().getByRole('button', { name: 'Use in Sampling' }).click();
  await expect(page.getByTestId('training-added')).toContainText(`step ${stoppedAt}`);
  await page.getByRole('tab', { name: 'Sampling' }).click();
  await expect(page.getByTestId('model-list')).toContainText(
    `DiT tiny · MNIST (embedded, 10k) · step ${stoppedAt}`,
  );

  // After a reload the stored, unfinished run is offered and continues where it stopped.
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.reload();
  await expect(page.getByTestId('resume-offer')).toContainText(`step ${stoppedAt} of 200`, {
    timeout: 60_000,
  });
  await shot(page, 'offer');
  await page.getByTestId('resume-offer-button').click();
  await expect(page.getByTestId('run-summary')).toContainText(`resumed at step ${stoppedAt}`, {
    timeout: 60_000,
  });
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThan(stoppedAt);
  await page.getByTestId('train-stop').click();
  await expect(page.getByTestId('train-start')).toBeVisible({ timeout: 60_000 });
});

test('pause and resume, download and re-upload a checkpoint, and clear refusals of what cannot train', async ({
  page,
}, info) => {
  await openApp(page, RUN);
  await page.getByTestId('train-start').click();
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await page.getByTestId('train-pause').click();
  await expect(page.locator('.phase')).toHaveText('paused');
  const pausedAt = await stepOf(page);
  await page.waitForTimeout(1000);
  expect(await stepOf(page)).toBe(pausedAt);
  await page.getByTestId('train-save').click();
  await expect(page.getByTestId('checkpoint-row').first()).toContainText(`${pausedAt}/200`);
  await expect(page.getByTestId('checkpoint-row').first()).toContainText('saved');
  // The manual save replaced an automatic one of the same step: each step is listed once.
  await expect(page.getByTestId('checkpoint-row').filter({ hasText: `${pausedAt}/200` })).toHaveCount(1);
  await page.getByTestId('train-continue').click();
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(pausedAt);
  await page.getByTestId('train-stop').click();
  await expect(page.locator('.phase')).toHaveText('stopped', { timeout: 60_000 });

  // A download is the complete training checkpoint; uploading it lists it for resuming.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('checkpoint-row').first().getByRole('button', { name: 'Download' }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^dit-tiny-mnist-step\d+\.safetensors$/);
  const saved = info.outputPath(download.suggestedFilename());
  await download.saveAs(saved);
  await page.getByTestId('upload-training-checkpoint').setInputFiles(saved);
  await expect(page.getByTestId('checkpoint-row').first()).toContainText('uploaded');

  // Weights without a training record can be sampled from but not trained on.
  await page.getByTestId('upload-training-checkpoint').setInputFiles(GOLDEN);
  await expect(page.getByTestId('training-error')).toContainText('holds weights only');

  // Resuming the MNIST checkpoint on 16x16 images is refused with the reason; nothing is lost.
  await page.getByRole('tab', { name: 'Data' }).click();
  await page.getByTestId('upload-folder').setInputFiles(makeClassFolders({ a: 3, b: 3 }, 16));
  await expect(page.getByTestId('dataset-list')).toContainText('shapes');
  await page.getByRole('tab', { name: 'Training' }).click();
  await page.getByTestId('train-dataset').selectOption({ label: 'shapes (16×16×1)' });
  const rows = await page.getByTestId('checkpoint-row').count();
  await page.getByTestId('checkpoint-row').first().getByRole('button', { name: 'Resume' }).click();
  await expect(page.getByTestId('training-error')).toContainText(
    'has 16x16 images with 1 channel(s); the network expects 28x28 with 1',
  );
  await expect(page.getByTestId('checkpoint-row')).toHaveCount(rows);
  await shot(page, 'refused');
});

test('when the storage quota is full, a save says so and offers the checkpoint as a download; training goes on', async ({
  page,
  baseURL,
}) => {
  await openApp(page, '/?backend=wasm#/training?arch=dit&tbatch=4&tsteps=200&pvery=0&tsave=2');
  // Far below one checkpoint (~700 KB): every save to IndexedDB fails with QuotaExceededError.
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Storage.overrideQuotaForOrigin', {
    origin: new URL(baseURL ?? '').origin,
    quotaSize: 100_000,
  });
  await page.getByTestId('train-start').click();
  const rescue = page.getByTestId('training-rescue');
  await expect(rescue).toContainText('storage quota for this site is full', { timeout: 60_000 });
  await expect.poll(() => stepOf(page), { timeout: 60_000 }).toBeGreaterThan(3);
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    rescue.getByRole('button', { name: /^Download step \d+/ }).click(),
  ]);
  expect(download.suggestedFilename()).toMatch(/^dit-tiny-mnist-step\d+\.safetensors$/);
  await page.getByTestId('train-stop').click();
  await expect(page.locator('.phase')).toHaveText('stopped', { timeout: 60_000 });
  await shot(page, 'quota');
});
