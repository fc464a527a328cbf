import { availableParallelism } from 'node:os';
import { describe, expect, it } from 'vitest';
import { threadsOption } from './threads-option';

describe('--threads', () => {
  it('defaults to one per core on wasm and to one elsewhere; takes a whole number', () => {
    expect(threadsOption(undefined, 'wasm', 'helper')).toEqual({ ok: true, value: availableParallelism() });
    expect(threadsOption(undefined, 'webgpu', 'helper')).toEqual({ ok: true, value: 1 });
    expect(threadsOption('3', 'wasm', 'helper')).toEqual({ ok: true, value: 3 });
    expect(threadsOption('1', 'cpu', 'helper')).toEqual({ ok: true, value: 1 });
  });

  it('refuses a count that is not a whole number >= 1, and more than one thread off wasm', () => {
    for (const bad of ['0', '-2', '1.5', 'two']) {
      expect(threadsOption(bad, 'wasm', 'helper')).toEqual({
        ok: false,
        error: `--threads must be a whole number >= 1, got ${bad}`,
      });
    }
    expect(threadsOption('2', 'cpu', 'sampling')).toEqual({
      ok: false,
      error: '--threads above 1 needs --backend wasm (sampling threads run tfjs-wasm)',
    });
  });
});
