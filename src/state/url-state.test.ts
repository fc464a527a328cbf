import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { defaultParams, formatHash, PANELS, parseHash } from './url-state';

describe('URL hash state', () => {
  it('reads a panel and its parameters', () => {
    const s = parseHash('#/data?split=test&page=3&class=7&ds=mnist');
    expect(s.panel).toBe('data');
    expect(s.params).toMatchObject({ split: 'test', page: 3, class: 7, ds: 'mnist', per: '100' });
  });

  it('falls back to defaults for unknown panels and invalid values', () => {
    const s = parseHash('#/nowhere?split=banana&page=-4&class=x&per=7');
    expect(s.panel).toBe('data');
    expect(s.params).toEqual(defaultParams());
  });

  it('writes only non-default values and reads them back', () => {
    expect(formatHash({ panel: 'probing', params: defaultParams() })).toBe('#/probing');
    const state = {
      panel: 'data' as const,
      params: { ...defaultParams(), page: 12, split: 'train' as const },
    };
    expect(formatHash(state)).toBe('#/data?split=train&page=12');
    expect(parseHash(formatHash(state))).toEqual(state);
  });

  it('reads sampling settings within their bounds', () => {
    const s = parseHash('#/sampling?sampler=ddpm&steps=1000&eta=0.5&seed=7&batch=64&model=abc');
    expect(s.params).toMatchObject({
      sampler: 'ddpm',
      steps: 1000,
      eta: 0.5,
      seed: 7,
      batch: 64,
      model: 'abc',
    });
    const bad = parseHash('#/sampling?sampler=euler&steps=0&eta=2&seed=-1&batch=65');
    expect(bad.params).toMatchObject({ sampler: 'ddim', steps: 50, eta: 0, seed: 0, batch: 16 });
  });

  it('reads training settings within their bounds, on keys of their own', () => {
    const s = parseHash(
      '#/training?arch=dit&preset=small&tbatch=4&lr=0.0002&tsteps=3&pvery=1&pvn=4&pvs=2&tsave=2',
    );
    expect(s.params).toMatchObject({
      arch: 'dit',
      preset: 'small',
      tbatch: 4,
      lr: 0.0002,
      tsteps: 3,
      pvery: 1,
      pvn: 4,
      pvs: 2,
      tsave: 2,
      batch: 16,
      steps: 50,
    });
    const bad = parseHash('#/training?arch=gan&preset=huge&tbatch=0&lr=5&tsteps=-1&pvn=65');
    expect(bad.params).toMatchObject({
      arch: 'unet',
      preset: 'tiny',
      tbatch: 16,
      lr: 1e-3,
      tsteps: 500,
      pvn: 16,
    });
    const state = { panel: 'training' as const, params: { ...defaultParams(), lr: 1e-7, tsteps: 3 } };
    expect(formatHash(state)).toBe('#/training?lr=1e-7&tsteps=3');
    expect(parseHash(formatHash(state))).toEqual(state);
  });

  it('never throws on arbitrary hashes', () => {
    fc.assert(
      fc.property(fc.string(), (hash) => {
        const s = parseHash(hash);
        expect(PANELS).toContain(s.panel);
      }),
      { numRuns: 500 },
    );
  });
});
