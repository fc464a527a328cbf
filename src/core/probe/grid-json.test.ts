import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseProbeGridJson } from './grid-json';
import { markdownTable } from './report';
import { bestCell } from './types';

/** A grid the CLI wrote (the annealed 7,800-step UNet, t = 1, 11, 101). */
const CLI_FILE = 'results/probe-mnist-unet-small-7800/probe.json';
const text = readFileSync(CLI_FILE, 'utf8');

function parsed() {
  const r = parseProbeGridJson(text, 'probe.json');
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

// biome-ignore lint/suspicious/noExplicitAny: the tests damage the parsed JSON wherever they like
const broken = (edit: (j: Record<string, any>) => void) => {
  const j = JSON.parse(text);
  edit(j);
  const r = parseProbeGridJson(JSON.stringify(j), 'grid.json');
  return r.ok ? 'accepted' : r.error;
};

describe('probe grid JSON', () => {
  it("reads the CLI's grid with the figures its markdown table reports", () => {
    const r = parsed();
    expect(r.taps).toEqual(['out_1', 'out_2', 'out_3', 'out_4', 'out_5', 'out_6']);
    expect(r.timesteps).toEqual([1, 11, 101]);
    expect(r.baseline?.accuracy).toBe(0.885);
    const best = bestCell(r.cells);
    expect([best?.tap, best?.t, best?.accuracy]).toEqual(['out_2', 101, 0.902]);
    expect(r.cells[0].confusion?.flat().reduce((a, b) => a + b)).toBe(r.dataset.testCount);
    // The table the CLI wrote beside it (since re-aligned by the formatter) is what the parsed grid renders to.
    const plain = (md: string) => md.replace(/-+/g, '-').replace(/ +/g, '').trim();
    expect(plain(markdownTable(r))).toBe(plain(readFileSync(CLI_FILE.replace(/json$/, 'md'), 'utf8')));
  });

  it('round-trips: a parsed grid written again parses to the same grid', () => {
    const r = parsed();
    const again = parseProbeGridJson(JSON.stringify(r), 'again.json');
    expect(again.ok && again.value).toEqual(r);
  });

  it('refuses damaged grids and says what is wrong', () => {
    expect(parseProbeGridJson('{"model":', 'x.json')).toMatchObject({
      ok: false,
      error: /x.json is not JSON/,
    });
    expect(parseProbeGridJson('[1, 2]', 'x.json')).toMatchObject({ ok: false, error: /the file is missing/ });
    expect(broken((j) => j.cells.pop())).toMatch(/cells has 17 entries for 6 taps × 3 timesteps/);
    expect(broken((j) => (j.cells[4].accuracy = 1.5))).toMatch(
      /cells\[4\].accuracy \(1.5\) is not an accuracy/,
    );
    expect(broken((j) => (j.model.arch = 'vit'))).toMatch(/model.arch "vit" is neither unet nor dit/);
    expect(broken((j) => ([j.cells[0], j.cells[1]] = [j.cells[1], j.cells[0]]))).toMatch(
      /cells\[0\] is \(out_2, t = 1\) where the grid's order puts \(out_1, t = 1\)/,
    );
    expect(broken((j) => j.baseline.confusion.pop())).toMatch(/baseline.confusion has 9 rows for 10 classes/);
    expect(broken((j) => (j.cells[2].confusion[0][0] = -3))).toMatch(/is not a count/);
    expect(broken((j) => delete j.dataset)).toMatch(/dataset is missing/);
  });

  it('never throws on truncated or mutated files', () => {
    const small = JSON.stringify({ ...parsed(), cells: parsed().cells.map((c) => ({ ...c, curve: [] })) });
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: small.length }),
        fc.integer({ min: 0, max: small.length - 1 }),
        fc.string({ maxLength: 4 }),
        (cut, at, insert) => {
          for (const candidate of [small.slice(0, cut), small.slice(0, at) + insert + small.slice(at + 1)]) {
            const r = parseProbeGridJson(candidate, 'fuzz.json');
            if (!r.ok) expect(r.error).toMatch(/fuzz.json is not/);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
