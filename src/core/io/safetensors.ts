/**
 * safetensors reader and writer (https://github.com/huggingface/safetensors): an 8-byte little-endian
 * header length, a UTF-8 JSON header, then raw little-endian tensor bytes. The reader validates every
 * field against the file before touching tensor data, so a hostile or truncated file yields an error
 * message instead of an exception or a wild allocation.
 */
import { err, ok, type Result } from '../result';
import { bfloat16ToFloat32, float16ToFloat32 } from './float16';

export { bfloat16ToFloat32, float16ToFloat32 } from './float16';

export type SafetensorsDtype = 'F32' | 'F16' | 'BF16';

export interface SafetensorsTensor {
  /** The dtype stored in the file; data is always converted to float32. */
  dtype: SafetensorsDtype;
  shape: number[];
  data: Float32Array;
}

export interface SafetensorsFile {
  /** Tensors in data-section order (the order writeSafetensors was given). */
  tensors: Map<string, SafetensorsTensor>;
  metadata: Record<string, string>;
}

export interface TensorToWrite {
  name: string;
  shape: number[];
  data: Float32Array;
}

/** Headers larger than this are refused: real ones are kilobytes, and JSON.parse of gigabytes would hang. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const DTYPE_SIZE: Record<SafetensorsDtype, number> = { F32: 4, F16: 2, BF16: 2 };
const SUPPORTED = Object.keys(DTYPE_SIZE).join(', ');
const NOT_SAFETENSORS = 'The file is truncated or is not a safetensors file.';

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isSize = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

export function parseSafetensors(bytes: Uint8Array): Result<SafetensorsFile> {
  if (bytes.length < 8) {
    return err(
      `The file is ${bytes.length} bytes; a safetensors file starts with an 8-byte header length. ${NOT_SAFETENSORS}`,
    );
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = view.getUint32(0, true) + view.getUint32(4, true) * 2 ** 32;
  if (headerLength > MAX_HEADER_BYTES) {
    return err(
      `The header length field says ${headerLength} bytes, more than the ${MAX_HEADER_BYTES}-byte limit. ${NOT_SAFETENSORS}`,
    );
  }
  if (8 + headerLength > bytes.length) {
    return err(
      `The header length field says ${headerLength} bytes, but only ${bytes.length - 8} bytes follow it. ${NOT_SAFETENSORS}`,
    );
  }
  const header = parseHeaderJson(bytes.subarray(8, 8 + headerLength));
  if (!header.ok) return header;

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: Array<{
    name: string;
    dtype: SafetensorsDtype;
    shape: number[];
    begin: number;
    end: number;
  }> = [];
  for (const [name, value] of Object.entries(header.value)) {
    if (name === '__metadata__') {
      const m = checkMetadata(value, metadata);
      if (!m.ok) return m;
      continue;
    }
    const e = checkEntry(name, value, dataLength);
    if (!e.ok) return e;
    entries.push({ name, ...e.value });
  }
  // Data-section order: JSON.parse would put integer-like names ("0") first, so header order is lost anyway.
  entries.sort((a, b) => a.begin - b.begin);
  const overlap = findOverlap(entries);
  if (overlap) return err(overlap);

  const tensors = new Map<string, SafetensorsTensor>();
  for (const { name, dtype, shape, begin, end } of entries) {
    const data = decodeTensor(bytes.subarray(dataStart + begin, dataStart + end), dtype);
    tensors.set(name, { dtype, shape, data });
  }
  return ok({ tensors, metadata });
}

function parseHeaderJson(raw: Uint8Array): Result<Record<string, unknown>> {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(raw);
  } catch {
    return err(`The header is not valid UTF-8. ${NOT_SAFETENSORS}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return err(`The header is not valid JSON (${(e as Error).message}). ${NOT_SAFETENSORS}`);
  }
  if (!isObject(parsed)) {
    return err(`The header must be a JSON object mapping tensor names to entries. ${NOT_SAFETENSORS}`);
  }
  // JSON.parse silently keeps the last of two equal keys, which would hide a tensor.
  const duplicate = findDuplicateTopLevelKey(text);
  if (duplicate !== null) {
    return err(`The header names tensor "${duplicate}" twice; each name must be unique. Re-save the file.`);
  }
  return ok(parsed);
}

function checkMetadata(value: unknown, into: Record<string, string>): Result<void> {
  if (!isObject(value)) return err('__metadata__ must be a JSON object of string values.');
  for (const [k, v] of Object.entries(value)) {
    if (typeof v !== 'string') {
      return err(
        `__metadata__ entry "${k}" is ${JSON.stringify(v)}; safetensors metadata values must be strings.`,
      );
    }
    into[k] = v;
  }
  return ok(undefined);
}

function checkEntry(
  name: string,
  value: unknown,
  dataLength: number,
): Result<{ dtype: SafetensorsDtype; shape: number[]; begin: number; end: number }> {
  const where = `Tensor "${name}"`;
  if (!isObject(value))
    return err(`${where}: its header entry must be an object with dtype, shape and data_offsets.`);
  for (const field of ['dtype', 'shape', 'data_offsets']) {
    if (!Object.hasOwn(value, field)) return err(`${where}: the header entry is missing "${field}".`);
  }
  const { dtype, shape, data_offsets: offsets } = value;
  if (typeof dtype !== 'string' || !Object.hasOwn(DTYPE_SIZE, dtype)) {
    return err(
      `${where} has dtype ${JSON.stringify(dtype)}, which is not supported; supported: ${SUPPORTED}. ` +
        'Convert the tensor to float32 before saving.',
    );
  }
  if (!Array.isArray(shape) || !shape.every(isSize)) {
    return err(
      `${where} has shape ${JSON.stringify(shape)}; a shape must be a list of non-negative integers.`,
    );
  }
  const count = shape.reduce((a: number, b: number) => a * b, 1);
  if (!Number.isSafeInteger(count))
    return err(`${where} has shape ${JSON.stringify(shape)}, which is too large.`);
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isSize)) {
    return err(
      `${where} has data_offsets ${JSON.stringify(offsets)}; expected [begin, end], two non-negative integers.`,
    );
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end) return err(`${where} has data_offsets [${begin}, ${end}]: begin is after end.`);
  if (end > dataLength) {
    return err(
      `${where} has data_offsets [${begin}, ${end}], but the data section is only ${dataLength} bytes. ${NOT_SAFETENSORS}`,
    );
  }
  const expected = count * DTYPE_SIZE[dtype as SafetensorsDtype];
  if (end - begin !== expected) {
    return err(
      `${where}: shape ${JSON.stringify(shape)} of ${dtype} needs ${expected} bytes, but data_offsets [${begin}, ${end}] ` +
        `span ${end - begin} bytes.`,
    );
  }
  return ok({ dtype: dtype as SafetensorsDtype, shape: shape as number[], begin, end });
}

/** The spec forbids tensors sharing bytes; gaps are tolerated since they cannot corrupt a read. */
/** Expects entries sorted by begin. */
function findOverlap(entries: ReadonlyArray<{ name: string; begin: number; end: number }>): string | null {
  const sorted = entries.filter((e) => e.end > e.begin);
  for (let i = 1; i < sorted.length; i++) {
    const a = sorted[i - 1];
    const b = sorted[i];
    if (b.begin < a.end) {
      return `Tensors "${a.name}" [${a.begin}, ${a.end}] and "${b.name}" [${b.begin}, ${b.end}] overlap in the data section. ${NOT_SAFETENSORS}`;
    }
  }
  return null;
}

/** Always copies, so the result is aligned and does not keep the whole file's buffer alive. */
function decodeTensor(raw: Uint8Array, dtype: SafetensorsDtype): Float32Array {
  if (dtype === 'F32') return new Float32Array(raw.slice().buffer);
  const out = new Float32Array(raw.length / 2);
  const convert = dtype === 'F16' ? float16ToFloat32 : bfloat16ToFloat32;
  for (let i = 0; i < out.length; i++) out[i] = convert(raw[2 * i] | (raw[2 * i + 1] << 8));
  return out;
}

/**
 * Scans the top level of a JSON object (already known to be valid) for a repeated key.
 * Only depth-1 strings directly after '{' or ',' are keys.
 */
function findDuplicateTopLevelKey(text: string): string | null {
  const seen = new Set<string>();
  let depth = 0;
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (depth === 1 && expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (seen.has(key)) return key;
        seen.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === '{' || c === '[') {
      depth++;
      expectKey = depth === 1 && c === '{';
    } else if (c === '}' || c === ']') {
      depth--;
    } else if (c === ',' && depth === 1) {
      expectKey = true;
    }
  }
  return null;
}

/**
 * Writes F32 tensors in the given order, `__metadata__` first (as the reference implementation does),
 * the header padded with spaces so the data section starts 8-byte aligned. Throws on programming errors
 * (duplicate names, data length not matching the shape), since its input comes from this app, not a file.
 */
export function writeSafetensors(
  tensors: ReadonlyArray<TensorToWrite> | ReadonlyMap<string, { shape: number[]; data: Float32Array }>,
  metadata?: Record<string, string>,
): Uint8Array {
  const list: TensorToWrite[] = Array.isArray(tensors)
    ? [...tensors]
    : [...(tensors as ReadonlyMap<string, { shape: number[]; data: Float32Array }>)].map(([name, t]) => ({
        name,
        ...t,
      }));
  // Built by hand: a JS object would reorder integer-like names such as "0" ahead of the rest.
  const parts: string[] = [];
  if (metadata && Object.keys(metadata).length > 0) parts.push(`"__metadata__":${JSON.stringify(metadata)}`);
  const names = new Set<string>();
  let offset = 0;
  for (const t of list) {
    if (names.has(t.name) || t.name === '__metadata__')
      throw new Error(`writeSafetensors: duplicate or reserved name "${t.name}"`);
    names.add(t.name);
    const count = t.shape.reduce((a, b) => a * b, 1);
    if (count !== t.data.length) {
      throw new Error(`writeSafetensors: "${t.name}" has shape [${t.shape}] but ${t.data.length} values`);
    }
    const entry = { dtype: 'F32', shape: t.shape, data_offsets: [offset, offset + 4 * count] };
    parts.push(`${JSON.stringify(t.name)}:${JSON.stringify(entry)}`);
    offset += 4 * count;
  }
  const json = new TextEncoder().encode(`{${parts.join(',')}}`);
  const headerLength = Math.ceil(json.length / 8) * 8;
  const out = new Uint8Array(8 + headerLength + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, headerLength, true);
  view.setUint32(4, Math.floor(headerLength / 2 ** 32), true);
  out.set(json, 8);
  out.fill(0x20, 8 + json.length, 8 + headerLength);
  let at = 8 + headerLength;
  for (const t of list) {
    out.set(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength), at);
    at += t.data.byteLength;
  }
  return out;
}
