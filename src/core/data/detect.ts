/**
 * Entry point for user uploads: expands zips, recognises IDX (MNIST-style), CIFAR-10 binary and PNG/JPEG
 * files by content (names only break ties), and builds one data set from them.
 */
import { CIFAR10_RECORD_BYTES, looksLikeCifarBatch, parseCifar10Batches } from './cifar';
import type { ImageDataset } from './dataset';
import { gunzipCapped, isGzip } from './gzip';
import { hasIdxMagic, type IdxFile, idxFilesToDataset, parseIdx } from './idx';
import { imagesToDataset, type LoadOutcome, naturalCompare } from './image-files';
import { sniffImageFormat } from './image-header';
import { DEFAULT_ZIP_LIMITS, expandZip, type InputFile, isIgnoredPath, isZip, normalizePath } from './zip';

export interface UploadOutcome extends LoadOutcome {
  /**
   * When the upload held both train and test files (IDX train-/t10k-, CIFAR data_batch_/test_batch), the
   * train images come first and this many of them are train; pass it to makeSplits.
   */
  trainCount?: number;
}

export const FASHION_MNIST_CLASSES = [
  'T-shirt/top',
  'Trouser',
  'Pullover',
  'Dress',
  'Coat',
  'Sandal',
  'Shirt',
  'Sneaker',
  'Bag',
  'Ankle boot',
];

const MAX_ZIP_DEPTH = 2;

type Kind = 'idx' | 'cifar' | 'image';
interface ParsedIdx {
  path: string;
  parsed: IdxFile;
}
const KIND_NAMES: Record<Kind, string> = {
  idx: 'IDX (MNIST-style)',
  cifar: 'CIFAR-10 binary',
  image: 'PNG/JPEG image',
};

export function loadUploadedFiles(files: ReadonlyArray<InputFile>): UploadOutcome {
  const problems: string[] = [];
  const expanded = expandAll(files, problems);
  if (expanded.length === 0) {
    const error =
      problems.length === 0
        ? 'No files were given.'
        : problems.length === 1
          ? problems[0]
          : 'Nothing in the upload could be read.';
    return { dataset: null, problems, error };
  }
  const name = datasetName(expanded.map((f) => f.path));

  const byKind: Record<Kind, InputFile[]> = { idx: [], cifar: [], image: [] };
  let cifarMeta: string[] | null = null;
  for (const f of expanded) {
    const kind = classify(f, problems);
    if (kind === 'reported') continue;
    if (kind !== 'other') byKind[kind].push(f);
    else if (baseName(f.path).toLowerCase() === 'batches.meta.txt') cifarMeta = readClassList(f.bytes);
    else problems.push(`${f.path} is not an image, IDX or CIFAR-10 file; skipped.`);
  }
  const kinds = (Object.keys(byKind) as Kind[]).filter((k) => byKind[k].length > 0);
  if (kinds.length > 1) {
    const parts = kinds.map((k) => `${KIND_NAMES[k]} files (${listPaths(byKind[k])})`);
    return {
      dataset: null,
      problems,
      error: `The upload mixes ${parts.join(' and ')}. Upload one kind of data set at a time.`,
    };
  }
  if (kinds.length === 0) {
    return { dataset: null, problems, error: 'No image, IDX or CIFAR-10 files were found in the upload.' };
  }
  if (kinds[0] === 'image') {
    const out = imagesToDataset(byKind.image, name);
    return { ...out, problems: [...problems, ...out.problems] };
  }
  if (kinds[0] === 'cifar') return loadCifar(byKind.cifar, cifarMeta, name, problems);
  return loadIdx(byKind.idx, name, problems);
}

/** Drops hidden files and replaces zips by their contents (nested zips too), sharing one size budget. */
function expandAll(files: ReadonlyArray<InputFile>, problems: string[]): InputFile[] {
  const out: InputFile[] = [];
  let budget = DEFAULT_ZIP_LIMITS.maxTotalBytes;
  const queue = files.map((f) => ({ path: normalizePath(f.path), bytes: f.bytes, depth: 0 }));
  while (queue.length > 0) {
    const f = queue.shift()!;
    if (f.path === '' || isIgnoredPath(f.path)) continue;
    if (!isZip(f.bytes) && !f.path.toLowerCase().endsWith('.zip')) {
      out.push(f);
      continue;
    }
    if (f.depth >= MAX_ZIP_DEPTH) {
      problems.push(`${f.path} is a zip inside a zip inside a zip; skipped. Unpack it first.`);
      continue;
    }
    const inner = expandZip(f.bytes, f.path, { ...DEFAULT_ZIP_LIMITS, maxTotalBytes: budget });
    if (!inner.ok) {
      problems.push(inner.error);
      continue;
    }
    // Entries live under the archive's name, so two zips cannot collide and the name can label the set.
    const root = f.path.replace(/\.zip$/i, '');
    for (const e of inner.value) {
      budget -= e.bytes.length;
      queue.push({ path: `${root}/${e.path}`, bytes: e.bytes, depth: f.depth + 1 });
    }
  }
  return out;
}

/**
 * What a file holds, by content first. Replaces gzipped IDX bytes by their inflated form, so they are
 * gunzipped only once. 'reported' means a problem line was already written.
 */
function classify(f: InputFile, problems: string[]): Kind | 'other' | 'reported' {
  const lower = f.path.toLowerCase();
  if (isGzip(f.bytes)) {
    const inflated = gunzipCapped(f.bytes, f.path);
    if (!inflated.ok) {
      problems.push(`${inflated.error} Skipped.`);
      return 'reported';
    }
    if (hasIdxMagic(inflated.value) || lower.includes('idx')) {
      f.bytes = inflated.value;
      return 'idx';
    }
    problems.push(`${f.path} is gzip-compressed but does not hold an IDX file; skipped.`);
    return 'reported';
  }
  // A CIFAR record can start 00 00 08 .., like IDX, so its name and size are checked first.
  if (looksLikeCifarBatch(lower, f.bytes.length)) return 'cifar';
  if (hasIdxMagic(f.bytes)) return 'idx';
  if (sniffImageFormat(f.bytes) !== null) return 'image';
  if (baseName(lower).includes('idx')) return 'idx';
  if (lower.endsWith('.bin')) return 'cifar';
  if (/\.(png|jpe?g)$/.test(lower)) return 'image';
  return 'other';
}

function loadIdx(files: InputFile[], name: string, problems: string[]): UploadOutcome {
  const images: ParsedIdx[] = [];
  const labels: ParsedIdx[] = [];
  for (const f of files) {
    const parsed = parseIdx(f.bytes, f.path);
    if (!parsed.ok) problems.push(`${parsed.error} Skipped.`);
    else if (parsed.value.dims.length >= 3) images.push({ path: f.path, parsed: parsed.value });
    else if (parsed.value.dims.length === 1) labels.push({ path: f.path, parsed: parsed.value });
    else
      problems.push(
        `${f.path} is an IDX file of dimensions [${parsed.value.dims}], neither images nor labels; skipped.`,
      );
  }
  if (images.length === 0)
    return {
      dataset: null,
      problems,
      error: 'The IDX upload has no images file (an IDX file with 3 or 4 dimensions).',
    };

  // Train files first, so a train/test boundary can be reported.
  images.sort(
    (a, b) => Number(isTestName(a.path)) - Number(isTestName(b.path)) || naturalCompare(a.path, b.path),
  );
  const used = new Set<string>();
  const parts: ImageDataset[] = [];
  for (const img of images) {
    const label = findLabels(img, labels, used);
    if (label) used.add(label.path);
    else
      problems.push(
        `No labels file with ${img.parsed.dims[0]} entries matches ${img.path}; its images are unlabelled.`,
      );
    const part = idxFilesToDataset(img.parsed, label?.parsed ?? null, img.path);
    if (!part.ok) return { dataset: null, problems, error: part.error };
    parts.push(part.value);
  }
  for (const l of labels) if (!used.has(l.path)) problems.push(`${l.path} matches no images file; skipped.`);
  const joined = concatDatasets(parts, name);
  if (typeof joined === 'string') return { dataset: null, problems, error: joined };
  // IDX carries no class names; Fashion-MNIST's are well known and its files usually say "fashion".
  const isFashion = files.some((f) => f.path.toLowerCase().includes('fashion'));
  if (isFashion && joined.classNames.length > 0 && joined.classNames.length <= 10)
    joined.classNames = [...FASHION_MNIST_CLASSES];
  return {
    dataset: joined,
    problems,
    ...trainCountOf(
      images.map((i) => i.path),
      parts,
    ),
  };
}

/** The labels file whose name matches ("train-images" <-> "train-labels"), else the first with the same count. */
function findLabels(
  img: ParsedIdx,
  labels: ReadonlyArray<ParsedIdx>,
  used: ReadonlySet<string>,
): ParsedIdx | null {
  const n = img.parsed.dims[0];
  const free = labels.filter((l) => !used.has(l.path) && l.parsed.dims[0] === n);
  const wanted = img.path
    .toLowerCase()
    .replace(/images?/g, 'labels')
    .replace(/idx\d/g, 'idx1');
  return free.find((l) => l.path.toLowerCase() === wanted) ?? free[0] ?? null;
}

function loadCifar(
  files: InputFile[],
  meta: string[] | null,
  name: string,
  problems: string[],
): UploadOutcome {
  const sorted = [...files].sort(
    (a, b) => Number(isTestName(a.path)) - Number(isTestName(b.path)) || naturalCompare(a.path, b.path),
  );
  const classNames = meta && meta.length === 10 ? meta : undefined;
  const parsed = parseCifar10Batches(
    sorted.map((f) => ({ name: f.path, bytes: f.bytes })),
    classNames,
  );
  if (!parsed.ok) return { dataset: null, problems, error: parsed.error };
  parsed.value.name = name;
  const counts = sorted.map((f) => f.bytes.length / CIFAR10_RECORD_BYTES);
  const testIndex = sorted.findIndex((f) => isTestName(f.path));
  const trainCount = testIndex > 0 ? counts.slice(0, testIndex).reduce((a, b) => a + b, 0) : undefined;
  return { dataset: parsed.value, problems, ...(trainCount !== undefined && { trainCount }) };
}

function trainCountOf(paths: string[], parts: ImageDataset[]): { trainCount?: number } {
  const testIndex = paths.findIndex(isTestName);
  if (testIndex <= 0) return {};
  return { trainCount: parts.slice(0, testIndex).reduce((a, p) => a + p.labels.length, 0) };
}

const isTestName = (path: string): boolean => /(^|[/_.-])(t10k|test)/i.test(path);

function concatDatasets(parts: ImageDataset[], name: string): ImageDataset | string {
  const [first] = parts;
  for (const p of parts) {
    if (p.width !== first.width || p.height !== first.height || p.channels !== first.channels) {
      return `${p.name} holds ${p.width}×${p.height}×${p.channels} images but ${first.name} holds ${first.width}×${first.height}×${first.channels}; upload files of one data set.`;
    }
  }
  const pixels =
    parts.length === 1 ? first.pixels : new Uint8Array(parts.reduce((a, p) => a + p.pixels.length, 0));
  const labels =
    parts.length === 1 ? first.labels : new Int32Array(parts.reduce((a, p) => a + p.labels.length, 0));
  if (parts.length > 1) {
    let px = 0;
    let lb = 0;
    for (const p of parts) {
      pixels.set(p.pixels, px);
      labels.set(p.labels, lb);
      px += p.pixels.length;
      lb += p.labels.length;
    }
  }
  const classNames = parts.reduce(
    (a, p) => (p.classNames.length > a.length ? p.classNames : a),
    [] as string[],
  );
  return { ...first, name, pixels, labels, classNames };
}

function readClassList(bytes: Uint8Array): string[] {
  return new TextDecoder()
    .decode(bytes)
    .split(/\r?\n/)
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

const baseName = (path: string): string => path.slice(path.lastIndexOf('/') + 1);

function listPaths(files: ReadonlyArray<InputFile>): string {
  const shown = files.slice(0, 3).map((f) => f.path);
  return files.length > 3 ? `${shown.join(', ')} and ${files.length - 3} more` : shown.join(', ');
}

/** The folder every file sits in (its last segment), or else the first file's name without extension. */
function datasetName(paths: ReadonlyArray<string>): string {
  const split = paths.map((p) => p.split('/').slice(0, -1));
  const common: string[] = [];
  for (let i = 0; split.every((s) => i < s.length && s[i] === split[0][i]); i++) common.push(split[0][i]);
  if (common.length > 0) return common[common.length - 1];
  return baseName(paths[0]).replace(/\.[^.]*$/, '') || 'Uploaded data';
}
