/**
 * Loading our hand-written WebAssembly kernels (the .wat files assembled by `scripts/build-wasm.mjs` into
 * base64 modules) and laying out their linear memory.
 */

const decode = (base64: string) => Uint8Array.from(atob(base64), (ch) => ch.charCodeAt(0));

/** A compiled module, or null where this engine rejects it (no SIMD, or no relaxed SIMD). */
export function compileWasm(base64: string): WebAssembly.Module | null {
  try {
    return new WebAssembly.Module(decode(base64));
  } catch {
    return null;
  }
}

const align16 = (bytes: number) => Math.ceil(bytes / 16) * 16;

/** Byte offsets of consecutive regions of the given sizes, each 16-byte aligned, and the bytes they take. */
export function layoutRegions<K extends string>(
  sizes: Record<K, number>,
): { at: Record<K, number>; bytes: number } {
  let next = 0;
  const at = {} as Record<K, number>;
  for (const key of Object.keys(sizes) as K[]) {
    at[key] = next;
    next += align16(sizes[key]);
  }
  return { at, bytes: next };
}

/** Grows `memory` to at least `bytes`; throws past wasm32's 2 GiB. */
export function ensureMemory(memory: WebAssembly.Memory, bytes: number, kernel: string): void {
  if (bytes > 2 ** 31) throw new Error(`${kernel}: ${bytes} bytes do not fit wasm32 memory`);
  const pages = Math.ceil(bytes / 65536) - memory.buffer.byteLength / 65536;
  if (pages > 0) memory.grow(pages);
}
