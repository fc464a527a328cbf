import { expect, type Page, test } from '@playwright/test';
import { openApp } from './helpers';

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

  await page.getByTestId('train-start').click();
  await expect(page.getByTestId('run-summary')).toContainText('DiT tiny · MNIST', { timeout: 60_000 });
  await expect(page.getByTestId('train-pause')).toBeVisible();
  // The step counter and the curve advance while the UI stays responsive.
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(1);
  await expect.poll(() => stepOf(page), { timeout: 90_000 }).toBeGreaterThanOrEqual(2);
  await expect(page.getByTestId('loss-chart')).toHaveAttribute('data-points', /^[2-9]/);
  await expect(page.getByTestId('train-stats')).toContainText('steps/s');
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
