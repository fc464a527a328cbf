import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ReidFeatures } from './embed';
import { DISTANCE_MODES, evaluateModes, modeTable } from './evaluate-modes';
import { globalFeatures, stripeFeatures } from './features';
import { Rng } from './random';

/**
 * Features of `pids` where each identity has its own random stripe pattern; `shift` rolls an image's
 * stripes down by that many rows (a misaligned box), which the aligned distance should undo.
 */
function features(pids: number[], shifts: number[], h = 6, c = 4): ReidFeatures {
  const pattern = (pid: number) => {
    const rng = new Rng(1000 + pid);
    return Array.from({ length: h * c }, () => rng.normal());
  };
  const local = new Float32Array(pids.length * h * c);
  const global = new Float32Array(pids.length * c);
  pids.forEach((pid, i) => {
    const p = pattern(pid);
    for (let s = 0; s < h; s++) {
      const from = Math.min(h - 1, Math.max(0, s - shifts[i])); // edge stripes repeat
      for (let k = 0; k < c; k++) local[(i * h + s) * c + k] = p[from * c + k];
    }
    for (let k = 0; k < c; k++)
      global[i * c + k] = p.filter((_, j) => j % c === k).reduce((a, b) => a + b, 0);
  });
  return { global: globalFeatures(global, pids.length, c), local: stripeFeatures(local, pids.length, h, c) };
}

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('evaluateModes', () => {
  const qPids = [1, 2, 3, 4, 5, 6];
  const gPids = [1, 2, 3, 4, 5, 6, 1, 2, 3, 4, 5, 6, 7, 8];
  const query = features(qPids, [0, 0, 0, 0, 0, 0]);
  const gallery = features(gPids, [1, 2, 1, 2, 1, 2, 0, 0, 0, 0, 0, 0, 0, 0]);
  const labels = (pids: number[], cam: number) => ({ pids, camIds: pids.map(() => cam) });

  it('reports every mode with and without re-ranking, in range', async () => {
    const rows = await evaluateModes(query, gallery, labels(qPids, 0), labels(gPids, 1), { rerank: true });
    expect(rows.length).toBe(2 * DISTANCE_MODES.length);
    for (const r of rows) {
      expect(r.validQueries).toBe(6);
      expect(r.rank1).toBeGreaterThanOrEqual(0);
      expect(r.mAP).toBeLessThanOrEqual(1);
    }
    const table = modeTable(rows);
    expect(table.split('\n').length).toBe(2 + DISTANCE_MODES.length);
    expect(table).toMatch(/\| local-aligned \| /);
  });

  it('ranks shifted stripes of the same identity better with the aligned distance than the unaligned', async () => {
    const rows = await evaluateModes(query, gallery, labels(qPids, 0), labels(gPids, 1), { rerank: false });
    const get = (mode: string) => rows.find((r) => r.mode === mode)!;
    expect(get('local-aligned').mAP).toBeGreaterThanOrEqual(get('local-unaligned').mAP);
    expect(get('local-aligned').rank1).toBe(1);
  });
});
