import { describe, expect, it } from 'vitest';
import { goldenDdimCase } from './golden-case';
import { loadGolden } from './test-helpers';
import { samplingTimes } from './times';

describe('samplingTimes', () => {
  it('10 steps are the golden [901, 801, ..., 1, 0]', () => {
    const golden = loadGolden();
    expect(samplingTimes(10, 1000)).toEqual(goldenDdimCase(golden, 0).times);
    expect(samplingTimes(10, 1000)).toEqual(goldenDdimCase(golden, 1).times);
    expect(samplingTimes(10, 1000)).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1, 0]);
  });

  it('100 steps are the official DDIM pairs (991 -> 981) ... (1 -> 0)', () => {
    const times = samplingTimes(100, 1000);
    expect(times.length).toBe(101);
    expect(times.slice(0, 3)).toEqual([991, 981, 971]);
    expect(times.slice(-3)).toEqual([11, 1, 0]);
  });

  it('T steps are the full ancestral chain T, ..., 1, 0', () => {
    expect(samplingTimes(1000, 1000)).toEqual(Array.from({ length: 1001 }, (_, i) => 1000 - i));
  });

  it('keeps the official integer stride when steps do not divide T', () => {
    const times = samplingTimes(30, 1000);
    expect(times.length - 1).toBe(31);
    expect(times[0]).toBe(991);
    expect(samplingTimes(1, 1000)).toEqual([1, 0]);
  });

  it('rejects impossible step counts', () => {
    expect(() => samplingTimes(0, 1000)).toThrow('steps');
    expect(() => samplingTimes(1001, 1000)).toThrow('steps');
    expect(() => samplingTimes(2.5, 1000)).toThrow('steps');
  });
});
