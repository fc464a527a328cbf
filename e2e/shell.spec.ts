import { expect, test } from '@playwright/test';
import { openApp } from './helpers';

test('the app starts on WebGPU and the status bar shows the adapter and memory', async ({ page }) => {
  await openApp(page);
  await expect(page.getByTestId('status-backend')).toContainText('webgpu');
  await expect(page.getByTestId('status-adapter')).toContainText('google');
  await expect(page.getByTestId('status-adapter')).toContainText('swiftshader');
  await expect(page.getByTestId('status-bar')).toContainText('max storage buffer');
  await expect(page.getByTestId('status-memory')).toContainText('GPU allocated');
  await expect(page.getByTestId('backend-notice')).toHaveCount(0);
});

test('panels are reachable by tab and by URL hash, and say what they will do', async ({ page }) => {
  await openApp(page, '/#/probing');
  await expect(page.getByRole('tab', { name: 'Probing' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByTestId('probe-run')).toBeVisible();
  await page.getByRole('tab', { name: 'Sampling' }).click();
  // Sampling selects the shipped model, which the hash then names.
  await expect(page).toHaveURL(/#\/sampling(\?model=[^&]+)?$/);
  await expect(page.getByTestId('import-checkpoint')).toBeAttached();
  await page.getByRole('tab', { name: 'Training' }).click();
  await expect(page).toHaveURL(/#\/training(\?model=[^&]+)?$/);
  await expect(page.getByTestId('train-start')).toBeVisible();
  await page.getByRole('tab', { name: 'Retrieval' }).click();
  await expect(page).toHaveURL(/#\/retrieval(\?model=[^&]+)?$/);
  await expect(page.getByTestId('run-retrieval')).toBeVisible();
  await page.getByRole('tab', { name: 'Data' }).click();
  await expect(page.getByTestId('load-mnist')).toBeVisible();
  await page.goBack();
  await expect(page.getByRole('tab', { name: 'Retrieval' })).toHaveAttribute('aria-selected', 'true');
});

test('?backend=wasm forces wasm with one thread per core, and a notice says so', async ({ page }) => {
  await openApp(page, '/?backend=wasm#/data');
  await expect(page.getByTestId('status-backend')).toContainText('wasm');
  // tfjs alone would size its pool at half the cores (one thread on a 2-core machine).
  const cores = await page.evaluate(() => navigator.hardwareConcurrency);
  const threads = Math.min(4, cores);
  await expect(page.getByTestId('status-backend')).toContainText(
    `${threads} thread${threads === 1 ? '' : 's'}`,
  );
  await expect(page.getByTestId('backend-notice')).toContainText('?backend=wasm');
  await expect(page.getByTestId('status-adapter')).toHaveCount(0);
});

test('an unknown ?backend value is reported and WebGPU still runs', async ({ page }) => {
  await openApp(page, '/?backend=quantum');
  await expect(page.getByTestId('status-backend')).toContainText('webgpu');
  await expect(page.getByTestId('backend-notice')).toContainText('Unknown backend "quantum"');
});

test('the GroupNorm WGSL kernel agrees with its CPU reference in the browser', async ({ page }) => {
  await openApp(page);
  await page.getByRole('button', { name: 'Test kernels' }).click();
  await expect(page.getByTestId('kernel-check')).toContainText('agree', { timeout: 90_000 });
  await expect(page.getByTestId('status-last-job')).toContainText('Kernel self-test');
  const details = (await page.getByTestId('kernel-check').getAttribute('title')) ?? '';
  expect(details).toMatch(/GroupNorm \[2×28×28×32\] G=32 \+SiLU \(wgsl\)/);
  expect(details).toMatch(/GroupNorm gradient \[2×14×14×64\] G=32 \+SiLU \(tf-ops\)/);
});

test('on wasm the GroupNorm SIMD kernels, forward and gradient, agree with their references', async ({
  page,
}) => {
  await openApp(page, '/?backend=wasm');
  await page.getByRole('button', { name: 'Test kernels' }).click();
  await expect(page.getByTestId('kernel-check')).toContainText('agree', { timeout: 90_000 });
  const details = (await page.getByTestId('kernel-check').getAttribute('title')) ?? '';
  // The browser compiled the WebAssembly SIMD module in the worker; C = 6 falls back to the reference.
  expect(details).toMatch(/GroupNorm \[2×28×28×32\] G=32 \+SiLU \(wasm-simd\)/);
  expect(details).toMatch(/GroupNorm gradient \[2×14×14×64\] G=32 \+SiLU \(wasm-simd\)/);
  expect(details).toMatch(/GroupNorm gradient \[2×6×5×6\] G=3 \(cpu-reference\)/);
});

test('the first page load stays light: tfjs loads only in the worker', async ({ page }) => {
  const scripts: { url: string; bytes: number }[] = [];
  page.on('response', async (r) => {
    if (r.request().resourceType() === 'script' && r.request().frame() === page.mainFrame()) {
      scripts.push({ url: r.url(), bytes: (await r.body()).length });
    }
  });
  await openApp(page);
  const pageScripts = scripts.filter((s) => !s.url.includes('compute.worker'));
  const total = pageScripts.reduce((sum, s) => sum + s.bytes, 0);
  expect(pageScripts.length).toBeGreaterThan(0);
  expect(total).toBeLessThan(400 * 1024);
});
