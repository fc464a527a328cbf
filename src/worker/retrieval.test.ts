import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { JobCancelledError } from '../core/job';
import '@tensorflow/tfjs-backend-wasm';
import { encode } from 'fast-png';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHIPPED_REID_MODEL } from '../core/reid/model-io';
import { fitUploads, labelFromName, RetrievalInputError, RetrievalService } from './retrieval';

const png = (width: number, height: number, seed: number) => {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * (seed + 3) * 7 + seed * 40) % 256;
  return encode({ width, height, data, channels: 3, depth: 8 });
};

const modelBytes = async () => new Uint8Array(readFileSync(`public/${SHIPPED_REID_MODEL}`));
const never = new AbortController().signal;
const quiet = () => {};

beforeAll(async () => {
  expect(await tf.setBackend('wasm')).toBe(true);
});
afterAll(async () => {
  await tf.setBackend('cpu');
});

describe('uploads', () => {
  it('lists zero-byte, corrupt and non-image files with a reason and keeps the good ones', () => {
    const good = png(40, 100, 1);
    const set = fitUploads(
      [
        { path: 'a/0007_c2_01.png', bytes: good },
        { path: 'empty.png', bytes: new Uint8Array(0) },
        { path: 'notes.txt', bytes: new TextEncoder().encode('hello, not an image') },
        { path: 'cut.png', bytes: good.subarray(0, 60) },
        { path: 'wide.png', bytes: png(300, 20, 2) },
      ],
      64,
      32,
    );
    expect(set.info.map((i) => i.name)).toEqual(['0007_c2_01.png', 'wide.png']);
    expect(set.info[0]).toMatchObject({ pid: 7, camId: 2 });
    expect(set.info[1]).toMatchObject({ pid: null, camId: null });
    expect(set.pixels.length).toBe(2 * 64 * 32 * 3);
    expect(set.problems).toHaveLength(3);
    expect(set.problems[0]).toMatch(/^empty\.png: .*empty/);
    expect(set.problems[1]).toMatch(/^notes\.txt/);
    expect(set.problems[2]).toMatch(/^cut\.png/);
  });

  it('reads Market-style names', () => {
    expect(labelFromName('x/0002_c3s1_000151_01.jpg')).toEqual({ pid: 2, camId: 3 });
    expect(labelFromName('-1_c1_junk.png')).toEqual({ pid: -1, camId: 1 });
    expect(labelFromName('photo.png')).toBeNull();
  });
});

describe('RetrievalService', () => {
  const service = new RetrievalService(modelBytes);

  it('ranks the synthetic gallery consistently with its distance matrix and evaluates it', async () => {
    const summary = await service.run(
      { gallery: 'synthetic', query: 'synthetic', syntheticIds: 12, galleryFiles: [], queryFiles: [] },
      never,
      quiet,
    );
    expect(summary.queries).toHaveLength(12);
    expect(summary.labelled).toBe(true);
    expect(summary.metrics.map((m) => m.mode)).toEqual([
      'global',
      'local',
      'unaligned',
      'total',
      'global-rr',
      'local-rr',
      'unaligned-rr',
      'total-rr',
    ]);
    // Re-ranking changes each distance's figures (it is applied per distance, not only to the total).
    for (const d of ['global', 'local', 'unaligned', 'total'] as const) {
      const plain = summary.metrics.find((m) => m.mode === d)!;
      const rr = summary.metrics.find((m) => m.mode === `${d}-rr`)!;
      expect(rr.mAP).not.toBe(plain.mAP);
    }
    const total = summary.metrics.find((m) => m.mode === 'total')!;
    expect(total.rank1).toBeGreaterThan(0.4);
    expect(summary.queryPixels.length).toBe(12 * 64 * 32 * 3);

    for (const mode of ['global', 'local', 'total', 'global-rr', 'total-rr'] as const) {
      const page = service.ranking(3, mode, 0, 10);
      expect(page.items).toHaveLength(10);
      expect(page.total).toBe(summary.galleryCount);
      expect(page.pixels.length).toBe(10 * 64 * 32 * 3);
      for (let k = 1; k < page.items.length; k++) {
        expect(page.items[k].distance).toBeGreaterThanOrEqual(page.items[k - 1].distance);
      }
      const more = service.ranking(3, mode, 10, 10);
      expect(more.items[0].rank).toBe(11);
      expect(more.items[0].distance).toBeGreaterThanOrEqual(page.items[9].distance);
    }
    const top = service.ranking(0, 'total', 0, 10).items;
    expect(top.every((it) => it.correct !== null)).toBe(true);

    // The pair view agrees with the rankings' distances.
    const g = top[0].gallery;
    const view = service.pair(0, g);
    expect(view.stripes).toBe(8);
    expect(view.matrix.length).toBe(64);
    expect(view.path[0]).toEqual([0, 0]);
    expect(view.path[view.path.length - 1]).toEqual([7, 7]);
    expect(view.total).toBeCloseTo(top[0].distance, 3);
    const local = service.ranking(0, 'local', 0, summary.galleryCount).items.find((it) => it.gallery === g)!;
    expect(view.local).toBeCloseTo(local.distance, 3);
    expect(view.queryPixels.length).toBe(64 * 32 * 3);
    expect(service.exportRows('total', 5)).toHaveLength(12 * 5);
  }, 120_000);

  it('uses the good uploaded queries against the synthetic gallery and lists the bad ones', async () => {
    const summary = await service.run(
      {
        gallery: 'synthetic',
        query: 'upload',
        syntheticIds: 5,
        galleryFiles: [],
        queryFiles: [
          { path: 'me.png', bytes: png(50, 120, 4) },
          { path: 'zero.jpg', bytes: new Uint8Array(0) },
        ],
      },
      never,
      quiet,
    );
    expect(summary.queries.map((q) => q.name)).toEqual(['me.png']);
    expect(summary.labelled).toBe(false);
    expect(summary.metrics).toEqual([]);
    expect(summary.problems).toEqual([expect.stringMatching(/^query: zero\.jpg: .*empty/)]);
    expect(service.ranking(0, 'global', 0, 10).items[0].correct).toBeNull();
  }, 120_000);

  it('refuses a side with no usable image, naming the files', async () => {
    const run = service.run(
      {
        gallery: 'upload',
        query: 'synthetic',
        syntheticIds: 2,
        galleryFiles: [{ path: 'bad.png', bytes: new Uint8Array([1, 2, 3]) }],
        queryFiles: [],
      },
      never,
      quiet,
    );
    await expect(run).rejects.toBeInstanceOf(RetrievalInputError);
    await expect(run).rejects.toThrow(/No usable gallery image.*bad\.png/);
  });

  it('stops soon after a cancel, even while drawing and embedding a large synthetic set', async () => {
    const controller = new AbortController();
    // Counted in steps of work rather than milliseconds, so that a loaded machine cannot fail it: the run
    // checks for a cancel at every progress report (a chunk drawn, a batch embedded), so at most the step
    // under way when the cancel came reports after it (the whole run takes hundreds of steps).
    let stepsAfterCancel = 0;
    setTimeout(() => controller.abort(), 300);
    await expect(
      service.run(
        { gallery: 'synthetic', query: 'synthetic', syntheticIds: 300, galleryFiles: [], queryFiles: [] },
        controller.signal,
        () => {
          if (controller.signal.aborted) stepsAfterCancel++;
        },
      ),
    ).rejects.toBeInstanceOf(JobCancelledError);
    expect(stepsAfterCancel).toBeLessThanOrEqual(1);
  });
});
