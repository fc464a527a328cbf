/**
 * Bounded gunzip. fflate's gunzipSync allocates whatever size the (untrusted) gzip trailer claims, up to
 * 4 GiB, so we stream instead and stop once the output passes a cap.
 */
import { Gunzip } from 'fflate';
import { err, ok, type Result } from '../result';

/** Largest decompressed output accepted (the full Fashion-MNIST train images are 47 MB). */
export const MAX_GUNZIP_BYTES = 1024 * 1024 * 1024;

// Input is fed in slices so one push can inflate at most ~1032x its size before the cap is checked.
const SLICE = 256 * 1024;

export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

class OverCap extends Error {}

export function gunzipCapped(
  bytes: Uint8Array,
  name: string,
  maxBytes = MAX_GUNZIP_BYTES,
): Result<Uint8Array> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let finished = false;
  try {
    const stream = new Gunzip((chunk, final) => {
      total += chunk.length;
      if (total > maxBytes) throw new OverCap();
      chunks.push(chunk);
      if (final) finished = true;
    });
    if (bytes.length === 0) stream.push(bytes, true);
    for (let i = 0; i < bytes.length; i += SLICE) {
      stream.push(bytes.subarray(i, i + SLICE), i + SLICE >= bytes.length);
    }
  } catch (e) {
    if (e instanceof OverCap) {
      return err(
        `${name} decompresses to more than ${formatBytes(maxBytes)}, the limit. Upload a smaller file.`,
      );
    }
    return err(`${name} is not a valid gzip file (${(e as Error).message}); it may be truncated or corrupt.`);
  }
  if (!finished)
    return err(`${name} ended before the end of its gzip stream; it is truncated. Download it again.`);
  if (chunks.length === 1) return ok(chunks[0]);
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return ok(out);
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MB`;
  return `${(n / 1024 ** 3).toFixed(1)} GB`;
}
