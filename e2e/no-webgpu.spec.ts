import { expect, test } from '@playwright/test';
import { openApp } from './helpers';

// Chromium without the SwiftShader WebGPU flags: navigator.gpu exists but grants no adapter.
test.use({
  launchOptions: {
    executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  },
});

test('without a WebGPU adapter a notice says why and which backend runs; the Data panel still works', async ({
  page,
}) => {
  await openApp(page, '/#/data');
  const backend = (await page.getByTestId('status-backend').textContent()) ?? '';
  expect(backend).toMatch(/webgl|wasm|cpu/);
  await expect(page.getByTestId('backend-notice')).toContainText('WebGPU is not in use');
  await expect(page.getByTestId('backend-notice')).toContainText(
    `Running on ${backend.replace('backend ', '').split(' ')[0]}`,
  );
  await page.getByTestId('load-mnist').click();
  await expect(page.getByTestId('image-grid')).toHaveAttribute('data-count', '100');
  await page.getByRole('button', { name: 'Test kernels' }).click();
  await expect(page.getByTestId('kernel-check')).toContainText('agree', { timeout: 90_000 });
});
