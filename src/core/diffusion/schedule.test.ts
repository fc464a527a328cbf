import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSafetensors } from '../io/safetensors';
import { unwrap } from '../result';
import { DDAE_BETAS, DDAE_T, SCHEDULE_TABLES, type ScheduleType, schedules } from './schedule';
import { fmaF32, torchExpF32, torchLinspaceF32 } from './torch-f32';

const GOLDEN = resolve(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');
const golden = unwrap(parseSafetensors(new Uint8Array(readFileSync(GOLDEN))));

/** Largest |a-b|/|b| over entries, NaN == NaN, and how many entries are not bitwise equal. */
function compare(a: Float32Array, b: Float32Array): { maxRel: number; mismatches: number } {
  let maxRel = 0;
  let mismatches = 0;
  for (let i = 0; i < b.length; i++) {
    if (Number.isNaN(a[i]) && Number.isNaN(b[i])) continue;
    if (!Object.is(a[i], b[i])) mismatches++;
    const rel = b[i] === 0 ? Math.abs(a[i]) : Math.abs(a[i] - b[i]) / Math.abs(b[i]);
    maxRel = Math.max(maxRel, Number.isNaN(rel) ? Number.POSITIVE_INFINITY : rel);
  }
  return { maxRel, mismatches };
}

describe('official DDAE schedules', () => {
  for (const type of ['DDPM', 'DDIM'] as ScheduleType[]) {
    it(`${type}: every table equals the golden PyTorch float32 one bit for bit`, () => {
      const s = schedules(DDAE_BETAS, DDAE_T, type);
      for (const name of SCHEDULE_TABLES) {
        const ref = golden.tensors.get(`schedule.${type}.${name}`)!;
        expect(ref.shape).toEqual([1001]);
        expect(s[name].length).toBe(1001);
        expect({ name, ...compare(s[name], ref.data) }).toEqual({ name, maxRel: 0, mismatches: 0 });
      }
    });
  }

  it('DDPM has beta_0 = 0 prepended and DDIM starts at beta1', () => {
    const ddpm = schedules(DDAE_BETAS, DDAE_T, 'DDPM');
    const ddim = schedules(DDAE_BETAS, DDAE_T, 'DDIM');
    expect(ddpm.beta_t[0]).toBe(0);
    expect(ddpm.alphabar_t[0]).toBe(1);
    expect(ddpm.beta_t[1]).toBe(Math.fround(1e-4));
    expect(ddpm.beta_t[1000]).toBe(Math.fround(0.02));
    expect(ddim.beta_t[0]).toBe(Math.fround(1e-4));
    expect(ddim.alphabar_t[0]).toBe(Math.fround(0.9999));
    expect(ddim.beta_t[1000]).toBe(Math.fround(0.02));
  });

  it('float64 recomputation would miss the golden sqrtmab by ~1e-4 near t = 1 (why float32 is emulated)', () => {
    const ref = golden.tensors.get('schedule.DDPM.sqrtmab')!.data;
    // Exact math: 1 - alphabar_1 = beta_1 = 1e-4.
    expect(Math.abs(Math.sqrt(1e-4) - ref[1]) / ref[1]).toBeGreaterThan(5e-5);
  });

  it('rejects bad arguments', () => {
    expect(() => schedules([0.02, 1e-4], 1000, 'DDPM')).toThrow('beta1');
    expect(() => schedules([1e-4, 0.02], 0, 'DDPM')).toThrow('T must');
  });
});

describe('float32 emulation helpers', () => {
  it('fmaF32 rounds once', () => {
    // 1 + 2^-24 + 2^-60: rounding to double first lands on the float32 midpoint 1 + 2^-24 and would then
    // round to even (1); a single rounding goes up.
    expect(fmaF32(2 ** -30, 2 ** -30, 1 + 2 ** -24)).toBe(1 + 2 ** -23);
    expect(fmaF32(-(2 ** -30), 2 ** -30, 1 + 2 ** -24)).toBe(1);
    expect(fmaF32(3, 5, 7)).toBe(22);
  });

  it('torchLinspaceF32 hits both ends and is monotone', () => {
    const l = torchLinspaceF32(1e-4, 0.02, 1001);
    expect(l[0]).toBe(Math.fround(1e-4));
    expect(l[1000]).toBe(Math.fround(0.02));
    for (let i = 1; i < l.length; i++) expect(l[i]).toBeGreaterThan(l[i - 1]);
  });

  it('torchExpF32 is within 1 ulp of the correctly rounded exp', () => {
    for (let x = -10; x <= 10; x += 0.0137) {
      const xf = Math.fround(x);
      const want = Math.fround(Math.exp(xf));
      expect(Math.abs(torchExpF32(xf) - want)).toBeLessThanOrEqual(want * 2 ** -23);
    }
  });
});
