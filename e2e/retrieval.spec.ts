import { readFileSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { openApp, pngBytes } from './helpers';

test('retrieval: rank a small synthetic gallery, open the side-by-side view, export, bad uploads listed', async ({
  page,
}, info) => {
  await openApp(page, '/?backend=wasm#/retrieval');
  await page.getByTestId('synthetic-ids').fill('8');
  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('retrieval-metrics')).toBeVisible({ timeout: 90_000 });
  await expect(page.getByTestId('metrics-total')).toContainText(/\d+\.\d/);
  await expect(page.getByTestId('retrieval-timing')).toContainText('gallery embedded in');
  // Chromium has relaxed SIMD: the fused kernel's multiply-add build computes the local distances.
  await expect(page.getByTestId('retrieval-timing')).toContainText(
    'distances (fused SIMD kernel, relaxed SIMD)',
  );

  await page.getByTestId('query-2').click();
  const strip = page.getByTestId('ranked-strip');
  await expect(strip).toHaveAttribute('data-count', '10');
  const borders = await strip
    .locator('[data-testid^="result-"]')
    .evaluateAll((els) => els.map((e) => e.getAttribute('data-border')));
  expect(borders.every((b) => b === 'correct' || b === 'wrong' || b === 'ignored')).toBe(true);
  expect(borders).toContain('correct');
  await page.getByTestId('more-results').click();
  await expect(strip).toHaveAttribute('data-count', '20');
  await page.getByTestId('mode-global').click();
  await expect(page.getByTestId('mode-global')).toHaveAttribute('aria-pressed', 'true');
  // Every distance has its re-ranked figures; the switch re-sorts the strip and goes into the URL.
  await expect(page.getByTestId('metrics-unaligned-rr-map')).toContainText(/\d+\.\d/);
  await page.getByTestId('mode-rerank').check();
  await expect(page.getByTestId('ranking-title')).toContainText('global, re-ranked');
  await expect(page.getByTestId('metrics-global-rr-r1')).toHaveClass(/active/);
  await expect(page).toHaveURL(/rids=8.*rdist=global.*rrr=on/);

  await page.getByTestId('result-0').click();
  await expect(page.getByTestId('pair-view')).toBeVisible();
  await expect(page.getByTestId('pair-distances')).toContainText(/global \d\.\d{3} · local \d\.\d{3}/);
  const coloured = await page.getByTestId('pair-canvas').evaluate((c: HTMLCanvasElement) => {
    const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
    let n = 0;
    for (let i = 0; i < d.length; i += 4) if (d[i] > 240 && d[i + 1] < 80 && d[i + 2] > 60) n++;
    return n; // the path's pink
  });
  expect(coloured).toBeGreaterThan(50);
  await page.screenshot({ path: info.outputPath('retrieval.png'), fullPage: true });

  const [csv] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const text = readFileSync((await csv.path()) as string, 'utf8');
  expect(text.split('\n')[0]).toBe('query,query_pid,rank,gallery,gallery_index,gallery_pid,distance,correct');
  expect(text.trim().split('\n')).toHaveLength(1 + 8 * 10);
  const [png] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('export-pair-png').click(),
  ]);
  expect(png.suggestedFilename()).toMatch(/^pair-q2-g\d+\.png$/);

  // Uploaded queries: one good, one zero-byte, one not an image.
  await page.getByTestId('query-source').selectOption('upload');
  await page.getByTestId('query-files').setInputFiles([
    { name: 'person.png', mimeType: 'image/png', buffer: pngBytes(30, 70, 3, 3) },
    { name: 'empty.png', mimeType: 'image/png', buffer: Buffer.alloc(0) },
    { name: 'notes.jpg', mimeType: 'image/jpeg', buffer: Buffer.from('this is not a jpeg') },
  ]);
  await page.getByTestId('run-retrieval').click();
  const problems = page.getByTestId('retrieval-problems');
  await expect(problems).toContainText('empty.png', { timeout: 60_000 });
  await expect(problems).toContainText('notes.jpg');
  await expect(page.getByTestId('query-list').locator('button')).toHaveCount(1);
  await expect(page.getByTestId('ranked-strip')).toHaveAttribute('data-count', '10');
  await expect(page.getByTestId('retrieval-metrics')).toHaveCount(0);
  await page.screenshot({ path: info.outputPath('retrieval-upload.png'), fullPage: true });
});

test('a retrieval run can be cancelled and the app goes on; the panel settings survive a reload', async ({
  page,
}) => {
  await openApp(page, '/?backend=wasm#/retrieval?rids=300&rdist=local');
  await expect(page.getByTestId('synthetic-ids')).toHaveValue('300');
  await page.getByTestId('run-retrieval').click();
  // Cancel mid-way through the embedding: the worker must still hear it between batches.
  await expect(page.getByTestId('job-progress')).toContainText('Embedding the gallery', { timeout: 60_000 });
  await page.getByRole('button', { name: 'Cancel' }).click();
  await expect(page.getByTestId('run-retrieval')).toBeVisible({ timeout: 60_000 });
  await expect(page.getByTestId('retrieval-error')).toHaveCount(0);
  await expect(page.getByTestId('status-bar')).toContainText('Retrieval (cancelled)');
  await expect(page.getByTestId('retrieval-metrics')).toHaveCount(0);
  await page.reload();
  await expect(page.getByTestId('synthetic-ids')).toHaveValue('300');
  await page.getByTestId('synthetic-ids').fill('3');
  await page.getByTestId('run-retrieval').click();
  await expect(page.getByTestId('metrics-local-r1')).toContainText(/\d+\.\d/, { timeout: 90_000 });
  await expect(page.getByTestId('metrics-local-r1')).toHaveClass(/active/);
});
