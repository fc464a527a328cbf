/**
 * `--data` for the Node CLIs: `mnist` (the embedded 10,000 digits, 8,000 train / 2,000 test, as the app
 * splits them), or any file or folder the app's upload accepts (idx(.gz), CIFAR-10 binary batches, PNG/JPEG
 * folders, zip). Uploads with train/test files keep that split; otherwise the last 20% is the test split.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import type { ImageDataset } from '../../src/core/data/dataset';
import { loadUploadedFiles } from '../../src/core/data/detect';
import { range } from '../../src/core/data/splits';
import { buildMnist, MNIST_OUT_DIR } from '../build-mnist.mjs';

export interface CliData {
  dataset: ImageDataset;
  train: Int32Array;
  test: Int32Array;
}

function walk(path: string, root: string, out: { path: string; bytes: Uint8Array }[]): void {
  if (statSync(path).isDirectory()) {
    for (const name of readdirSync(path).sort()) walk(join(path, name), root, out);
  } else {
    out.push({ path: relative(root, path) || path, bytes: new Uint8Array(readFileSync(path)) });
  }
}

export async function loadCliData(arg: string): Promise<CliData> {
  if (arg === 'mnist') {
    const manifest = await buildMnist();
    const files = [manifest.images, manifest.labels].map((name) => ({
      path: name,
      bytes: new Uint8Array(readFileSync(join(MNIST_OUT_DIR, name))),
    }));
    const outcome = loadUploadedFiles(files);
    if (!outcome.dataset) throw new Error(outcome.error ?? 'the embedded MNIST files did not load');
    const dataset = { ...outcome.dataset, name: 'MNIST (embedded)' };
    return {
      dataset,
      train: range(0, manifest.trainCount),
      test: range(manifest.trainCount, dataset.labels.length),
    };
  }
  const files: { path: string; bytes: Uint8Array }[] = [];
  // Paths keep the folder's own name, as a browser folder upload does: it names the data set
  // ("fashion-mnist", not the first file's name) and labels files the same way in both.
  walk(arg, dirname(resolve(arg)), files);
  const outcome = loadUploadedFiles(files);
  for (const p of outcome.problems) console.warn(`skipped: ${p}`);
  if (!outcome.dataset) throw new Error(outcome.error ?? `No usable images in ${arg}`);
  const n = outcome.dataset.labels.length;
  const trainCount = outcome.trainCount ?? Math.round(n * 0.8);
  return { dataset: outcome.dataset, train: range(0, trainCount), test: range(trainCount, n) };
}
