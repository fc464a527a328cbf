/**
 * Builds a data set from a folder (or zip) of PNG/JPEG files. Labels come from class folders
 * ("digits/3/a.png" -> "3") or file-name prefixes ("cat_01.jpg" -> "cat"); otherwise images are unlabelled.
 * Files that cannot join the set (other size, not an image, corrupt) are skipped and listed in `problems`.
 */
import type { ImageDataset } from './dataset';
import { checkImageLimits, decodeImage } from './image-decode';
import { type ImageHeader, readImageHeader } from './image-header';
import { type InputFile, isIgnoredPath, normalizePath } from './zip';

export { expandZip, type InputFile } from './zip';

export interface LoadOutcome {
  /** The data set, or null when nothing usable was found (then `error` says why). */
  dataset: ImageDataset | null;
  /** One line per skipped file, saying why it was skipped. */
  problems: string[];
  error?: string;
}

/** Total pixel bytes accepted for one data set. */
export const MAX_DATASET_BYTES = 1024 * 1024 * 1024;

/** Numeric-aware, locale-independent ordering: "2" before "10", "img2" before "img10". */
export const naturalCompare: (a: string, b: string) => number = new Intl.Collator('en', { numeric: true })
  .compare;

export function imagesToDataset(files: ReadonlyArray<InputFile>, name: string): LoadOutcome {
  const problems: string[] = [];
  const candidates: Array<{ path: string; bytes: Uint8Array; header: ImageHeader }> = [];
  const sorted = files
    .map((f) => ({ path: normalizePath(f.path), bytes: f.bytes }))
    .filter((f) => !isIgnoredPath(f.path))
    .sort((a, b) => naturalCompare(a.path, b.path));
  for (const f of sorted) {
    const header = readImageHeader(f.bytes, f.path);
    // Oversized images are refused here so they cannot win the size vote below.
    const problem = header.ok
      ? checkImageLimits(f.path, header.value.width, header.value.height)
      : header.error;
    if (problem === null && header.ok) candidates.push({ ...f, header: header.value });
    else problems.push(`${problem} Skipped.`);
  }
  if (candidates.length === 0) return { dataset: null, problems, error: noImagesMessage(sorted.length) };

  // The most common size wins (ties: the first in path order); the rest are skipped before decoding.
  const [width, height] = mostCommonSize(candidates.map((c) => c.header));
  const sameSize = candidates.filter((c) => {
    const ok = c.header.width === width && c.header.height === height;
    if (!ok)
      problems.push(
        `${c.path} is ${c.header.width}×${c.header.height}; the set is ${width}×${height}, skipped.`,
      );
    return ok;
  });
  // Any colour image makes the set RGB; decodeImage reports the channels the header predicts.
  const channels = sameSize.some((c) => !c.header.grayscale) ? 3 : 1;
  const imageBytes = width * height * channels;
  if (sameSize.length * imageBytes > MAX_DATASET_BYTES) {
    return {
      dataset: null,
      problems,
      error:
        `${sameSize.length} images of ${width}×${height}×${channels} need ${sameSize.length * imageBytes} bytes; ` +
        `the limit is ${MAX_DATASET_BYTES}. Use fewer or smaller images.`,
    };
  }

  const pixels = new Uint8Array(sameSize.length * imageBytes);
  const kept: string[] = [];
  for (const c of sameSize) {
    const decoded = decodeImage(c.bytes, c.path);
    if (!decoded.ok) {
      problems.push(`${decoded.error} Skipped.`);
      continue;
    }
    if (decoded.value.channels > channels) {
      problems.push(
        `${c.path} decodes to colour although its header says grayscale; the file is corrupt. Skipped.`,
      );
      continue;
    }
    writeImage(pixels, kept.length * imageBytes, decoded.value.pixels, decoded.value.channels, channels);
    kept.push(c.path);
  }
  if (kept.length === 0)
    return { dataset: null, problems, error: `None of the ${sameSize.length} images could be decoded.` };

  const { labels, classNames } = inferLabels(kept);
  return {
    dataset: {
      name,
      height,
      width,
      channels,
      pixels: kept.length === sameSize.length ? pixels : pixels.slice(0, kept.length * imageBytes),
      labels,
      classNames,
    },
    problems,
  };
}

function noImagesMessage(fileCount: number): string {
  return fileCount === 0
    ? 'No files were given (hidden files such as .DS_Store are ignored).'
    : `None of the ${fileCount} files is a PNG or JPEG image. Upload PNG or JPEG files, a zip of them, IDX or CIFAR-10 files.`;
}

function mostCommonSize(headers: ReadonlyArray<ImageHeader>): [number, number] {
  const counts = new Map<string, number>();
  let best = '';
  let bestCount = 0;
  for (const h of headers) {
    const key = `${h.width}x${h.height}`;
    const n = (counts.get(key) ?? 0) + 1;
    counts.set(key, n);
    if (n > bestCount) {
      best = key;
      bestCount = n;
    }
  }
  const [w, h] = best.split('x').map(Number);
  return [w, h];
}

/** Copies one decoded image into the set, expanding gray to RGB when the set is RGB. */
function writeImage(
  into: Uint8Array,
  at: number,
  src: Uint8Array,
  srcChannels: number,
  channels: number,
): void {
  if (srcChannels === channels) {
    into.set(src, at);
    return;
  }
  for (let p = 0; p < src.length; p++) {
    const v = src[p];
    into[at + 3 * p] = v;
    into[at + 3 * p + 1] = v;
    into[at + 3 * p + 2] = v;
  }
}

/**
 * Class per file, from (1) the parent folder, when files sit in at least two folders or all sit in
 * root/class/ folders; else (2) the file-name prefix before the first '_' or '-', when every file has one and
 * there are at least two; else no labels.
 */
export function inferLabels(paths: ReadonlyArray<string>): { labels: Int32Array; classNames: string[] } {
  const segments = paths.map((p) => p.split('/'));
  const parents = segments.map((s) => (s.length >= 2 ? s[s.length - 2] : ''));
  const distinctParents = new Set(parents);
  const allNested = segments.every((s) => s.length >= 3);
  let keys: string[] | null = null;
  if ((distinctParents.size >= 2 && !distinctParents.has('')) || (distinctParents.size === 1 && allNested)) {
    keys = parents;
  } else {
    const prefixes = segments.map((s) => /^([^_-]+)[_-]/.exec(s[s.length - 1])?.[1] ?? null);
    if (prefixes.every((p) => p !== null) && new Set(prefixes).size >= 2) keys = prefixes as string[];
  }
  if (keys === null) return { labels: new Int32Array(paths.length).fill(-1), classNames: [] };
  const classNames = [...new Set(keys)].sort(naturalCompare);
  const index = new Map(classNames.map((c, i) => [c, i]));
  return { labels: Int32Array.from(keys, (k) => index.get(k)!), classNames };
}
