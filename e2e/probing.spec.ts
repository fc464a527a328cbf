import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, type Page, test } from '@playwright/test';
import { makeClassFolders, makeTwoClassIdx, openApp } from './helpers';

const GOLDEN = join(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');

async function importGolden(page: Page): Promise<void> {
  await page.getByTestId('import-checkpoint').setInputFiles(GOLDEN);
  await expect(page.getByTestId('model-list')).toContainText('ddae_unet_mnist_tiny');
  await expect(page.getByTestId('probe-taps')).toContainText('out_6');
}

test('a probe grid on the tiny UNet streams into the heatmap; a cell shows its curve, confusion, scatter and neighbours; exports', async ({
  page,
}) => {
  // 2 timesteps × 6 taps, 48 train / 16 test MNIST digits, 1 epoch: seconds on wasm.
  await openApp(page, '/?backend=wasm#/probing?pt=1,101&ptrain=48&ptest=16&pep=1');
  await importGolden(page);
  await page.getByTestId('probe-run').click();
  await expect(page.getByTestId('probe-heatmap')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('job-progress')).toBeVisible();
  await expect(page.getByTestId('cell-101-out_6')).toHaveAttribute('data-status', 'pending');
  await expect(page.getByTestId('probe-heatmap')).toHaveAttribute('data-done', '12', { timeout: 110_000 });
  await expect(page.getByTestId('probe-run')).toBeVisible();
  await expect(page.getByTestId('best-cell')).toHaveCount(1);
  await expect(page.getByTestId('probe-baseline')).toContainText(/Best: \d+\.\d\d%/);
  await expect(page.getByTestId('probe-baseline')).toContainText(
    /Raw-pixel baseline: \d+\.\d\d% linear, \d+\.\d\d% kNN/,
  );
  await expect(page.getByTestId('probe-summary')).toContainText(
    '12 of 12 cells · 48 train / 16 test images · wasm',
  );
  await expect(page.getByTestId('chart-by-t')).toBeVisible();
  await expect(page.getByTestId('chart-by-tap')).toBeVisible();

  // The best cell is selected when the run ends; click another.
  await expect(page.getByTestId('cell-details')).toBeVisible();
  await page.getByTestId('cell-1-out_3').click();
  await expect(page.getByTestId('cell-details')).toContainText('out_3 at t = 1');
  await expect(page.getByTestId('probe-curve')).toBeVisible();
  await expect(page.getByTestId('confusion-matrix')).toBeVisible();
  await expect(page.getByTestId('probe-scatter')).toHaveAttribute('data-points', '16');
  await page.getByTestId('query-thumb').first().click();
  await expect(page.getByTestId('neighbour-grid')).toHaveAttribute('data-count', '9');

  const csvDownload = page.waitForEvent('download');
  await page.getByTestId('export-csv').click();
  const csv = await csvDownload;
  expect(csv.suggestedFilename()).toBe('probe-ddae_unet_mnist_tiny-mnist-embedded-10k.csv');
  const text = readFileSync(await csv.path(), 'utf8');
  expect(text.split('\n')[0]).toBe('model,dataset,t,tap,status,dim,linear_acc,train_acc,knn_acc,error');
  expect(text.trim().split('\n')).toHaveLength(1 + 12 + 1);
  expect(text).toContain('raw-pixels');
  const pngDownload = page.waitForEvent('download');
  await page.getByTestId('export-heatmap-png').click();
  const png = readFileSync(await (await pngDownload).path());
  expect(png.subarray(1, 4).toString()).toBe('PNG');

  // The run is stored, and comes back after a reload (without its features).
  await expect(page.getByTestId('probe-runs')).toContainText('ddae_unet_mnist_tiny');
  await page.reload();
  const row = page.getByTestId('probe-runs').getByRole('row', { name: /ddae_unet_mnist_tiny/ });
  await row.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('probe-heatmap')).toHaveAttribute('data-done', '12');
  await row.getByRole('checkbox').check();
  await expect(page.getByTestId('compare-heatmap-0')).toBeVisible();
});

test('an uploaded idx data set (Fashion-MNIST files) runs through the panel: its own split and class names', async ({
  page,
}) => {
  await openApp(page, '/?backend=wasm#/data');
  await page.getByTestId('upload-folder').setInputFiles(makeTwoClassIdx(40, 20));
  await expect(page.getByTestId('dataset-list')).toContainText('fashion-mnist');
  // The files' own train / t10k split, kept with the stored upload across a reload.
  await expect(page.getByTestId('dataset-summary')).toContainText('40 train / 20 test');
  // No wait for the backend: the shipped model, chosen by default, may still be loading when the
  // checkpoint is imported; the form must show the imported model's taps, not wait for them forever.
  await page.reload();
  await page.getByTestId('dataset-list').getByText('fashion-mnist').click();
  await expect(page.getByTestId('dataset-summary')).toContainText('40 train / 20 test');
  await page.getByRole('tab', { name: 'Probing' }).click();
  await importGolden(page);
  await page.getByTestId('probe-dataset').selectOption({ label: 'fashion-mnist (1×28×28, 60)' });
  await page.getByTestId('probe-timesteps').fill('1');
  await page.getByTestId('probe-run').click();
  await expect(page.getByTestId('probe-heatmap')).toHaveAttribute('data-done', '6', { timeout: 110_000 });
  // The probe trains on that split, not on a seeded 80/20 of the pooled images.
  await expect(page.getByTestId('probe-summary')).toContainText('6 of 6 cells · 40 train / 20 test images');
  // Top-half against bottom-half images: raw pixels separate them exactly, linearly and by cosine kNN.
  await expect(page.getByTestId('probe-baseline')).toContainText(
    'Raw-pixel baseline: 100.00% linear, 100.00% kNN',
  );
  await expect(page.getByTestId('confusion-matrix')).toContainText('T-shirt/top');
  await expect(page.getByTestId('probe-runs')).toContainText('fashion-mnist');
});

test('a data set of another image size is refused with the reason', async ({ page }) => {
  await openApp(page, '/?backend=wasm#/data');
  await page.getByTestId('upload-folder').setInputFiles(makeClassFolders({ round: 3, square: 3 }, 16));
  await expect(page.getByTestId('dataset-list')).toContainText('shapes');
  await page.getByRole('tab', { name: 'Probing' }).click();
  await importGolden(page);
  await page.getByTestId('probe-dataset').selectOption({ label: 'shapes (1×16×16, 6)' });
  await page.getByTestId('probe-run').click();
  await expect(page.getByTestId('probing-error')).toContainText('takes 1×28×28 images');
  await expect(page.getByTestId('probing-error')).toContainText('has 1×16×16');
});

test('an optional middle tap joins the grid; a cancelled grid keeps its finished cells, marked as cancelled', async ({
  page,
}) => {
  await openApp(page, '/?backend=wasm#/probing?pt=1,101,201&ptrain=48&ptest=16&pep=1&pknn=off');
  await importGolden(page);
  // Encoder and middle taps are listed but off by default (DDAE probes the decoder).
  const taps = page.getByTestId('probe-taps');
  await expect(taps.getByLabel('enc_1')).not.toBeChecked();
  await expect(taps.getByLabel('out_1')).toBeChecked();
  await taps.getByLabel('middle').check();
  await expect(page).toHaveURL(/ptaps=middle(%2C|,)out_1/);
  await page.getByTestId('probe-run').click();
  await expect(page.getByTestId('cell-1-middle')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await expect(page.getByTestId('cell-1-out_1')).toHaveAttribute('data-status', 'done', { timeout: 90_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('probe-summary')).toContainText('Cancelled:', { timeout: 60_000 });
  await expect(page.getByTestId('cell-1-out_1')).toHaveAttribute('data-status', 'done');
  await expect(page.getByTestId('cell-201-out_6')).toHaveAttribute('data-status', 'cancelled');
  await expect(page.getByTestId('probe-runs')).toContainText('cancelled');
});

test('a model shipped under public/models is listed (and not deletable) when its card is there, and chosen by default', async ({
  page,
}) => {
  // Stand in for the shipped files: the golden tiny UNet and a model card like `npm run evaluate --ship` writes.
  await page.route('**/models/mnist-unet-small/model.json', (route) =>
    route.fulfill({
      json: {
        name: 'MNIST UNet small',
        arch: 'unet',
        config: { image_shape: [1, 28, 28] },
        parameters: 1112801,
      },
    }),
  );
  await page.route('**/models/mnist-unet-small/model.safetensors', (route) =>
    route.fulfill({ body: readFileSync(GOLDEN), contentType: 'application/octet-stream' }),
  );
  await openApp(page, '/?backend=wasm#/probing');
  const list = page.getByTestId('model-list');
  await expect(list).toContainText('MNIST UNet small (shipped)');
  await expect(list.getByTitle('Delete')).toHaveCount(0);
  // On the app's defaults (no model in the URL) the shipped model is chosen: its taps list and Run is on.
  await expect(page.getByTestId('probe-taps')).toContainText('out_6');
  await expect(page).toHaveURL(/model=shipped/);
  await expect(page.getByTestId('probe-run')).toBeEnabled();
});

type GridFile = { cells: { status: string; accuracy: number | null }[] };
const doneCells = (g: GridFile) => g.cells.filter((c) => c.status === 'done').length;
const bestPercent = (g: GridFile) =>
  `${(100 * Math.max(...g.cells.map((c) => c.accuracy ?? 0))).toFixed(1)}%`;

test("the shipped models' grids (npm run probe) are listed read-only and open; grids import from JSON, damaged ones are refused", async ({
  page,
}) => {
  const unet: GridFile = JSON.parse(readFileSync('public/models/mnist-unet-small/probe.json', 'utf8'));
  const mediumUnet: GridFile = JSON.parse(readFileSync('public/models/mnist-unet-medium/probe.json', 'utf8'));
  const shippedDit: GridFile = JSON.parse(readFileSync('public/models/mnist-dit-small/probe.json', 'utf8'));
  // An older DiT's grid, as another browser would have exported it.
  const olderDitFile = 'results/probe-mnist-dit-small/probe.json';
  const olderDit: GridFile = JSON.parse(readFileSync(olderDitFile, 'utf8'));
  await openApp(page, '/?backend=wasm#/probing');
  const runs = page.getByTestId('probe-runs');
  const shipped = runs.getByRole('row').filter({ hasText: 'shipped' });
  await expect(shipped).toHaveCount(3);
  const unetRow = shipped.filter({ hasText: 'mnist-unet-small' });
  const mediumRow = shipped.filter({ hasText: 'mnist-unet-medium' });
  const ditRow = shipped.filter({ hasText: 'DIT' });
  await expect(unetRow).toContainText(bestPercent(unet));
  await expect(mediumRow).toContainText(bestPercent(mediumUnet));
  await expect(ditRow).toContainText(bestPercent(shippedDit));
  await expect(shipped.getByTitle('Delete')).toHaveCount(0);
  await unetRow.getByRole('button', { name: 'Open' }).click();
  await expect(page.getByTestId('probe-heatmap')).toHaveAttribute('data-done', String(doneCells(unet)));
  await expect(page.getByTestId('best-cell')).toHaveCount(1);

  // A damaged file is refused with the reason; a grid exported elsewhere joins the list.
  await page.getByTestId('probe-import').setInputFiles({
    name: 'broken.json',
    mimeType: 'application/json',
    buffer: Buffer.from('{"model": {"arch": "unet"'),
  });
  await expect(page.getByTestId('probing-error')).toContainText('broken.json is not JSON');
  await page.getByTestId('probing-error').getByRole('button').first().click();
  await page.getByTestId('probe-import').setInputFiles({
    name: 'dit.json',
    mimeType: 'application/json',
    buffer: readFileSync(olderDitFile),
  });
  const imported = runs.getByRole('row').filter({ hasText: 'mnist-dit-small', hasNotText: 'shipped' });
  await expect(imported).toContainText(bestPercent(olderDit));
  await expect(page.getByTestId('probe-heatmap')).toHaveAttribute('data-done', String(doneCells(olderDit)));
  await unetRow.getByRole('checkbox').check();
  await imported.getByRole('checkbox').check();
  await expect(page.getByTestId('compare-heatmap-1')).toBeVisible();
});
