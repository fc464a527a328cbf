import { describe, expect, it } from 'vitest';
import { isJunk } from './evaluate';
import {
  buildSplit,
  DEFAULT_SPLIT,
  DISTRACTOR_PID,
  headStripe,
  JUNK_PID,
  renderSample,
  renderSamples,
  sampleViewOf,
  splitCounts,
} from './split';

const SMALL = {
  trainIds: 20,
  testIds: 15,
  distractorIds: 10,
  junkImages: 5,
};

describe('buildSplit', () => {
  it('keeps train and test identities disjoint', () => {
    const split = buildSplit(SMALL);
    const train = new Set(split.train.map((s) => s.identity));
    const test = new Set([...split.query, ...split.gallery].map((s) => s.identity));
    for (const id of train) expect(test.has(id)).toBe(false);
    expect([...train].sort((a, b) => a - b)).toEqual(split.trainPids);
  });

  it('has one query per test identity and a true match from another camera for each', () => {
    const split = buildSplit(SMALL);
    expect(split.query.length).toBe(SMALL.testIds);
    expect(new Set(split.query.map((q) => q.pid)).size).toBe(SMALL.testIds);
    for (const q of split.query) {
      expect(split.gallery).not.toContain(q);
      const good = split.gallery.filter((g) => g.pid === q.pid && !isJunk(q.pid, q.camId, g.pid, g.camId));
      expect(good.length).toBeGreaterThan(0);
    }
  });

  it('labels distractors 0 and junk -1, and never queries them', () => {
    const split = buildSplit(SMALL);
    const c = splitCounts(split);
    expect(c.galleryJunk).toBe(SMALL.junkImages);
    expect(c.galleryDistractors).toBeGreaterThanOrEqual(SMALL.distractorIds);
    expect(c.galleryDistractors).toBeLessThanOrEqual(2 * SMALL.distractorIds);
    expect(split.query.every((q) => q.pid > 0)).toBe(true);
    const distractorIds = new Set(
      split.gallery.filter((g) => g.pid === DISTRACTOR_PID).map((g) => g.identity),
    );
    expect(distractorIds.size).toBe(SMALL.distractorIds);
    for (const g of split.gallery.filter((s) => s.pid === JUNK_PID)) expect(g.junk).toBe(true);
  });

  it('spreads identities over cameras within the configured ranges', () => {
    const split = buildSplit(SMALL);
    const camsOf = (samples: typeof split.train, pid: number) =>
      new Set(samples.filter((s) => s.pid === pid).map((s) => s.camId)).size;
    for (const pid of split.trainPids) {
      const n = camsOf(split.train, pid);
      expect(n).toBeGreaterThanOrEqual(DEFAULT_SPLIT.trainCameras[0]);
      expect(n).toBeLessThanOrEqual(DEFAULT_SPLIT.trainCameras[1]);
    }
    for (const q of split.query) expect(camsOf([...split.gallery, q], q.pid)).toBeGreaterThanOrEqual(2);
    expect(new Set(split.train.map((s) => s.camId)).size).toBe(DEFAULT_SPLIT.numCameras);
  });

  it('is deterministic and has Market-like default sizes', () => {
    const a = buildSplit();
    expect(buildSplit()).toEqual(a);
    const c = splitCounts(a);
    expect(c.trainIds).toBe(300);
    expect(c.query).toBe(300);
    expect(c.train).toBeGreaterThan(2500);
    expect(c.gallery).toBeGreaterThan(2000);
    expect(c.gallery).toBeLessThan(4000);
  });

  it('renders samples into one NHWC byte batch, identical on a second call', () => {
    const split = buildSplit(SMALL);
    const batch = renderSamples(split.config, split.query.slice(0, 3));
    expect(batch.length).toBe(3 * 64 * 32 * 3);
    expect(renderSamples(split.config, split.query.slice(0, 3))).toEqual(batch);
  });

  it('rejects impossible configurations', () => {
    expect(() => buildSplit({ testCameras: [1, 3] })).toThrow(/testCameras/);
    expect(() => buildSplit({ numCameras: 1 })).toThrow(/numCameras/);
    expect(() => buildSplit({ trainIds: 0 })).toThrow(/trainIds/);
  });
});

describe('sampleViewOf', () => {
  it('gives the view the rendered image was drawn with', () => {
    const split = buildSplit(SMALL);
    for (const s of [...split.query.slice(0, 3), split.gallery[split.gallery.length - 1]]) {
      expect(sampleViewOf(split.config, s)).toEqual(renderSample(split.config, s).view);
    }
    const framed = sampleViewOf({ ...split.config, misalignment: 0 }, split.query[0]);
    expect(headStripe(framed)).toBeCloseTo(8 * 0.05, 10);
  });
});
