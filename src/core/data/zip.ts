/**
 * Zip expansion with zip-bomb guards. fflate allocates each entry at the uncompressed size declared in the
 * central directory (and never writes past it), so summing the declared sizes in the filter, before any
 * entry is inflated, bounds memory.
 */
import { unzipSync } from 'fflate';
import { err, ok, type Result } from '../result';
import { formatBytes } from './gzip';

export interface InputFile {
  /** Slash-separated relative path, e.g. "digits/3/img_01.png". */
  path: string;
  bytes: Uint8Array;
}

export interface ZipLimits {
  maxTotalBytes: number;
  maxEntries: number;
}

export const DEFAULT_ZIP_LIMITS: ZipLimits = { maxTotalBytes: 1024 * 1024 * 1024, maxEntries: 200_000 };

export function isZip(bytes: Uint8Array): boolean {
  // Local file header, or the end-of-central-directory record of an empty archive.
  return bytes.length >= 4 && bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5);
}

/** True for paths a user never means as data: macOS resource forks, dotfiles, Windows thumbnails. */
export function isIgnoredPath(path: string): boolean {
  const segments = normalizePath(path).split('/');
  const base = segments[segments.length - 1].toLowerCase();
  return (
    segments.some((s) => s.startsWith('.') || s === '__MACOSX') ||
    base === 'thumbs.db' ||
    base === 'desktop.ini'
  );
}

export function normalizePath(path: string): string {
  return path
    .replace(/\\/g, '/')
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/');
}

class ZipLimit extends Error {}

export function expandZip(
  bytes: Uint8Array,
  name = 'The zip file',
  limits: ZipLimits = DEFAULT_ZIP_LIMITS,
): Result<InputFile[]> {
  let entries = 0;
  let total = 0;
  let raw: Record<string, Uint8Array>;
  try {
    raw = unzipSync(bytes, {
      filter: (file) => {
        // Counted before anything else: a forged entry count would otherwise loop for billions of entries.
        if (++entries > limits.maxEntries)
          throw new ZipLimit(`${name} has more than ${limits.maxEntries} entries, the limit.`);
        if (file.name === '' || file.name.endsWith('/') || isIgnoredPath(file.name)) return false;
        total += file.originalSize;
        if (total > limits.maxTotalBytes) {
          throw new ZipLimit(
            `${name} expands to more than ${formatBytes(limits.maxTotalBytes)}, the limit. Upload fewer or smaller files.`,
          );
        }
        return true;
      },
    });
  } catch (e) {
    if (e instanceof ZipLimit) return err(e.message);
    return err(
      `${name} is not a readable zip archive (${(e as Error).message}). It may be truncated, corrupt or encrypted.`,
    );
  }
  const files: InputFile[] = [];
  for (const [path, data] of Object.entries(raw)) files.push({ path: normalizePath(path), bytes: data });
  return ok(files);
}
