import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  bfloat16ToFloat32,
  float16ToFloat32,
  parseSafetensors,
  type SafetensorsFile,
  writeSafetensors,
} from './safetensors';

const GOLDEN = resolve(process.cwd(), '../shared/golden');

/** A safetensors file from a header (object or raw JSON text) and a data section. */
function craft(header: unknown, data: Uint8Array = new Uint8Array(0), headerPad = 0): Uint8Array {
  const json = new TextEncoder().encode(
    (typeof header === 'string' ? header : JSON.stringify(header)) + ' '.repeat(headerPad),
  );
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

const f32Bytes = (values: number[]): Uint8Array => new Uint8Array(new Float32Array(values).buffer);
const u16Bytes = (values: number[]): Uint8Array => new Uint8Array(new Uint16Array(values).buffer);

/** Index of the first differing byte, or -1 (vitest's toEqual is very slow on megabyte arrays). */
function firstDifference(a: ArrayBufferView, b: ArrayBufferView): number {
  const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  if (x.length !== y.length) return Math.min(x.length, y.length);
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return i;
  return -1;
}

function parseOk(bytes: Uint8Array): SafetensorsFile {
  const r = parseSafetensors(bytes);
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function parseErr(bytes: Uint8Array): string {
  const r = parseSafetensors(bytes);
  if (r.ok) throw new Error('expected an error');
  return r.error;
}

describe('writeSafetensors / parseSafetensors round trip', () => {
  it('keeps names in the given order, shapes, values and metadata', () => {
    const bytes = writeSafetensors(
      [
        { name: 'b', shape: [2, 3], data: new Float32Array([1, -2, 3.5, 0, Number.POSITIVE_INFINITY, -0]) },
        { name: '0', shape: [], data: new Float32Array([42]) },
        { name: 'a', shape: [0, 4], data: new Float32Array(0) },
      ],
      { config: '{"x":1}', note: 'ünïcode' },
    );
    const headerLength = new DataView(bytes.buffer).getUint32(0, true);
    expect(headerLength % 8).toBe(0);
    const file = parseOk(bytes);
    expect([...file.tensors.keys()]).toEqual(['b', '0', 'a']);
    expect(file.tensors.get('b')).toEqual({
      dtype: 'F32',
      shape: [2, 3],
      data: new Float32Array([1, -2, 3.5, 0, Infinity, -0]),
    });
    expect(Object.is(file.tensors.get('b')!.data[5], -0)).toBe(true);
    expect(file.tensors.get('0')!.shape).toEqual([]);
    expect(file.tensors.get('a')!.data.length).toBe(0);
    expect(file.metadata).toEqual({ config: '{"x":1}', note: 'ünïcode' });
  });

  it('accepts a Map and writes byte-identical output for the same input', () => {
    const map = new Map([['w', { shape: [3], data: new Float32Array([1, 2, 3]) }]]);
    const a = writeSafetensors(map);
    const b = writeSafetensors([{ name: 'w', shape: [3], data: new Float32Array([1, 2, 3]) }]);
    expect(a).toEqual(b);
    expect(parseOk(a).metadata).toEqual({});
  });

  it('refuses to write inconsistent input', () => {
    expect(() => writeSafetensors([{ name: 'w', shape: [2], data: new Float32Array(3) }])).toThrow(/shape/);
    const t = { name: 'w', shape: [1], data: new Float32Array(1) };
    expect(() => writeSafetensors([t, t])).toThrow(/duplicate/);
  });

  it('reads tensors at unaligned offsets and from unaligned views', () => {
    // A 13-byte header puts the data section at byte 21.
    const header = '{"t":{"dtype":"F32","shape":[2],"data_offsets":[1,9]}}';
    const data = new Uint8Array(9);
    data.set(f32Bytes([1.5, -7]), 1);
    const file = craft(header, data);
    expect(parseOk(file).tensors.get('t')!.data).toEqual(new Float32Array([1.5, -7]));
    const shifted = new Uint8Array(file.length + 3);
    shifted.set(file, 3);
    expect(parseOk(shifted.subarray(3)).tensors.get('t')!.data).toEqual(new Float32Array([1.5, -7]));
  });
});

describe('F16 and BF16', () => {
  it('converts special and subnormal half floats exactly', () => {
    const cases: Array<[number, number]> = [
      [0x3c00, 1],
      [0xc000, -2],
      [0x3555, 0.333251953125],
      [0x7bff, 65504],
      [0x0400, 2 ** -14],
      [0x0001, 2 ** -24],
      [0x03ff, 1023 * 2 ** -24],
      [0x7c00, Infinity],
      [0xfc00, -Infinity],
    ];
    for (const [bits, value] of cases) expect(float16ToFloat32(bits)).toBe(value);
    expect(Object.is(float16ToFloat32(0x8000), -0)).toBe(true);
    expect(float16ToFloat32(0x7e00)).toBeNaN();
    expect(float16ToFloat32(0xfc01)).toBeNaN();
  });

  it('is strictly increasing over all finite positive half floats', () => {
    const notIncreasing: number[] = [];
    for (let h = 1; h <= 0x7bff; h++)
      if (!(float16ToFloat32(h) > float16ToFloat32(h - 1))) notIncreasing.push(h);
    expect(notIncreasing).toEqual([]);
    // Negative halves mirror positive ones.
    expect(float16ToFloat32(0x8000 | 0x1234)).toBe(-float16ToFloat32(0x1234));
  });

  it('converts bfloat16 including subnormals, inf and nan', () => {
    expect(bfloat16ToFloat32(0x3f80)).toBe(1);
    expect(bfloat16ToFloat32(0xc040)).toBe(-3);
    expect(bfloat16ToFloat32(0x0001)).toBe(2 ** -133);
    expect(bfloat16ToFloat32(0x7f80)).toBe(Infinity);
    expect(bfloat16ToFloat32(0xff80)).toBe(-Infinity);
    expect(bfloat16ToFloat32(0x7fc0)).toBeNaN();
  });

  it('parses F16 and BF16 tensors into float32', () => {
    const file = craft(
      {
        h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
        b: { dtype: 'BF16', shape: [2], data_offsets: [6, 10] },
      },
      new Uint8Array([...u16Bytes([0x3c00, 0x0001, 0xfc00]), ...u16Bytes([0x3f80, 0xc040])]),
    );
    const t = parseOk(file).tensors;
    expect(t.get('h')).toEqual({
      dtype: 'F16',
      shape: [3],
      data: new Float32Array([1, 2 ** -24, -Infinity]),
    });
    expect(t.get('b')!.data).toEqual(new Float32Array([1, -3]));
  });
});

describe('parseSafetensors errors', () => {
  const entry = (over: Record<string, unknown> = {}) => ({
    dtype: 'F32',
    shape: [2],
    data_offsets: [0, 8],
    ...over,
  });
  const data8 = new Uint8Array(8);

  it('file shorter than 8 bytes', () => {
    expect(parseErr(new Uint8Array(5))).toMatch(/5 bytes.*8-byte header length/);
  });
  it('header length beyond the file', () => {
    const f = craft({});
    new DataView(f.buffer).setUint32(0, 1000, true);
    expect(parseErr(f)).toMatch(/says 1000 bytes, but only 2 bytes follow/);
  });
  it('header length over the limit (including a non-zero high word)', () => {
    const f = craft({});
    new DataView(f.buffer).setUint32(0, 200 * 1024 * 1024, true);
    expect(parseErr(f)).toMatch(/more than the 104857600-byte limit/);
    new DataView(f.buffer).setUint32(4, 1, true);
    expect(parseErr(f)).toMatch(/limit/);
  });
  it('header not UTF-8', () => {
    const f = craft('{"a":1}');
    f[10] = 0xff;
    expect(parseErr(f)).toMatch(/not valid UTF-8/);
  });
  it('header not JSON', () => {
    expect(parseErr(craft('{"a": '))).toMatch(/not valid JSON/);
  });
  it('header not an object', () => {
    for (const h of ['[1,2]', '42', 'null', '"x"'])
      expect(parseErr(craft(h))).toMatch(/must be a JSON object/);
  });
  it('entry not an object or missing fields', () => {
    expect(parseErr(craft({ t: 3 }, data8))).toMatch(/Tensor "t".*must be an object/);
    for (const field of ['dtype', 'shape', 'data_offsets']) {
      const e: Record<string, unknown> = entry();
      delete e[field];
      expect(parseErr(craft({ t: e }, data8))).toMatch(new RegExp(`missing "${field}"`));
    }
  });
  it('unsupported dtype names it and lists the supported ones', () => {
    expect(parseErr(craft({ t: entry({ dtype: 'F64' }) }, data8))).toMatch(
      /"F64".*supported: F32, F16, BF16/,
    );
    expect(parseErr(craft({ t: entry({ dtype: 'toString' }) }, data8))).toMatch(/not supported/);
  });
  it('bad shapes', () => {
    for (const shape of [[-1], [1.5], ['2'], 'x', [null]]) {
      expect(parseErr(craft({ t: entry({ shape }) }, data8))).toMatch(/non-negative integers/);
    }
    expect(parseErr(craft({ t: entry({ shape: [2 ** 40, 2 ** 40] }) }, data8))).toMatch(/too large/);
  });
  it('bad data_offsets', () => {
    for (const data_offsets of [[0], [0, 8, 9], [0, -8], [0, 'x'], [0.5, 8], 'x']) {
      expect(parseErr(craft({ t: entry({ data_offsets }) }, data8))).toMatch(/expected \[begin, end\]/);
    }
    expect(parseErr(craft({ t: entry({ data_offsets: [8, 0] }) }, data8))).toMatch(/begin is after end/);
    expect(parseErr(craft({ t: entry({ data_offsets: [0, 16] }) }, data8))).toMatch(
      /data section is only 8 bytes/,
    );
  });
  it('byte size not matching the shape', () => {
    expect(parseErr(craft({ t: entry({ shape: [3] }) }, data8))).toMatch(/needs 12 bytes.*span 8 bytes/);
    expect(parseErr(craft({ t: entry({ dtype: 'F16' }) }, data8))).toMatch(/needs 4 bytes/);
  });
  it('overlapping tensors', () => {
    const h = { a: entry(), b: entry({ shape: [1], data_offsets: [4, 8] }) };
    expect(parseErr(craft(h, data8))).toMatch(/"a".*"b".*overlap/);
  });
  it('duplicate tensor names', () => {
    const e = JSON.stringify(entry());
    expect(
      parseErr(craft(`{"t":${e},"u":{"dtype":"F32","shape":[0],"data_offsets":[0,0]},"t":${e}}`, data8)),
    ).toMatch(/"t" twice/);
    // A nested repeated key is not a duplicate tensor name.
    const nested = `{"__metadata__":{"k":"{\\"t\\":1}"},"t":${e}}`;
    expect(parseSafetensors(craft(nested, data8)).ok).toBe(true);
  });
  it('__metadata__ must map strings to strings', () => {
    expect(parseErr(craft({ __metadata__: { a: 1 } }))).toMatch(/"a" is 1.*must be strings/);
    expect(parseErr(craft({ __metadata__: ['a'] }))).toMatch(/__metadata__ must be a JSON object/);
  });
  it('tolerates gaps between tensors and trailing header spaces', () => {
    const h = { a: entry({ shape: [1], data_offsets: [4, 8] }) };
    expect(parseOk(craft(h, data8, 5)).tensors.get('a')!.data.length).toBe(1);
  });
});

describe('parseSafetensors never throws', () => {
  const valid = writeSafetensors(
    [
      { name: 'w', shape: [2, 2], data: new Float32Array([1, 2, 3, 4]) },
      { name: 'b', shape: [2], data: new Float32Array([5, 6]) },
    ],
    { k: 'v' },
  );

  it('on random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        expect(typeof parseSafetensors(bytes).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });

  it('on mutations and truncations of a valid file', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat({ max: valid.length - 1 }), fc.integer({ min: 0, max: 255 })), {
          maxLength: 6,
        }),
        fc.nat({ max: valid.length }),
        (edits, cut) => {
          const bytes = valid.slice(0, cut || valid.length);
          for (const [at, v] of edits) if (at < bytes.length) bytes[at] = v;
          expect(typeof parseSafetensors(bytes).ok).toBe('boolean');
        },
      ),
      { numRuns: 500 },
    );
  });

  it('on random JSON headers', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.uint8Array({ maxLength: 32 }), (header, data) => {
        expect(typeof parseSafetensors(craft(header ?? null, data)).ok).toBe('boolean');
      }),
      { numRuns: 300 },
    );
  });
});

describe('golden files written by Python', () => {
  it('reads the DDAE UNet file and round-trips it exactly', () => {
    const bytes = new Uint8Array(readFileSync(resolve(GOLDEN, 'ddae_unet_mnist_tiny.safetensors')));
    const file = parseOk(bytes);
    expect(file.metadata.params).toBe('1112801');
    expect(JSON.parse(file.metadata.config)).toBeTypeOf('object');
    expect(file.tensors.get('weights.image_proj.weight')!.shape).toEqual([32, 1, 3, 3]);
    expect(file.tensors.get('input.x')!.shape).toEqual([3, 1, 28, 28]);
    expect(file.tensors.get('output.eps')!.shape).toEqual([3, 1, 28, 28]);
    const bias = file.tensors.get('weights.image_proj.bias')!.data;
    expect(bias[0]).toBe(0.13397006690502167);
    expect(bias[31]).toBe(-0.21504724025726318);
    let params = 0;
    for (const [name, t] of file.tensors) if (name.startsWith('weights.')) params += t.data.length;
    expect(params).toBe(1112801);

    const rewritten = writeSafetensors(
      [...file.tensors].map(([name, t]) => ({ name, shape: t.shape, data: t.data })),
      file.metadata,
    );
    const again = parseOk(rewritten);
    expect([...again.tensors.keys()]).toEqual([...file.tensors.keys()]);
    expect(again.metadata).toEqual(file.metadata);
    for (const [name, t] of file.tensors) {
      const u = again.tensors.get(name)!;
      expect(u.shape).toEqual(t.shape);
      // Bitwise equality (NaN-safe).
      expect(firstDifference(u.data, t.data)).toBe(-1);
    }
    // The data section is the original bytes, in the same order.
    const dataStart = (b: Uint8Array) => 8 + new DataView(b.buffer, b.byteOffset).getUint32(0, true);
    expect(firstDifference(rewritten.subarray(dataStart(rewritten)), bytes.subarray(dataStart(bytes)))).toBe(
      -1,
    );
  });

  it('reads the AlignedReID file', () => {
    const path = resolve(GOLDEN, 'alignedreid_small.safetensors');
    expect(existsSync(path)).toBe(true);
    const file = parseOk(new Uint8Array(readFileSync(path)));
    expect(file.tensors.get('global_dist')!.shape).toEqual([5, 7]);
    expect(file.tensors.get('stripe_dist_tanh')!.shape).toEqual([5, 7, 8, 8]);
  });
});
