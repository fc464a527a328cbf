import { describe, expect, it } from 'vitest';
import { pedestrianIdentity } from './pedestrian-identity';
import { hashSeed, Rng } from './random';
import {
  cameraStyle,
  generatePedestrianImage,
  REID_IMAGE_HEIGHT,
  REID_IMAGE_WIDTH,
  sampleView,
} from './synthetic-pedestrians';

const meanAbsDiff = (a: Uint8Array, b: Uint8Array) =>
  a.reduce((s, x, i) => s + Math.abs(x - b[i]), 0) / a.length;

describe('synthetic pedestrians', () => {
  it('gives the same bytes for the same seed, identity, camera and index', () => {
    const a = generatePedestrianImage({ seed: 7 }, 12, 3, 1);
    const b = generatePedestrianImage({ seed: 7 }, 12, 3, 1);
    expect(a.data.length).toBe(REID_IMAGE_HEIGHT * REID_IMAGE_WIDTH * 3);
    expect(Buffer.from(a.data).equals(Buffer.from(b.data))).toBe(true);
    expect(a.view).toEqual(b.view);
  });

  it('changes with the seed, the index and the identity', () => {
    const base = generatePedestrianImage({ seed: 7 }, 12, 3, 1).data;
    for (const other of [
      generatePedestrianImage({ seed: 8 }, 12, 3, 1).data,
      generatePedestrianImage({ seed: 7 }, 12, 3, 2).data,
      generatePedestrianImage({ seed: 7 }, 13, 3, 1).data,
    ]) {
      expect(meanAbsDiff(base, other)).toBeGreaterThan(5);
    }
  });

  it('pins a few bytes, so that a change to the generator is noticed (and the shipped model re-checked)', () => {
    const img = generatePedestrianImage({ seed: 1501 }, 1, 0, 0);
    const hash = img.data.reduce((h, x) => hashSeed(h, x), 0);
    expect(hash).toMatchInlineSnapshot(`3055575762`);
  });

  it('draws distinct identities', () => {
    const tops = new Set<string>();
    for (let pid = 1; pid <= 200; pid++) {
      const id = pedestrianIdentity(1, pid);
      tops.add(
        `${id.top.map((c) => c.toFixed(2))}|${id.topPattern}|${id.bottom.map((c) => c.toFixed(2))}|${id.bag}`,
      );
    }
    expect(tops.size).toBe(200);
  });

  it('misaligns boxes by up to about two of eight stripes at misalignment 1, none at 0', () => {
    const rng = new Rng(3);
    const tops: number[] = [];
    for (let i = 0; i < 500; i++) {
      const v = sampleView(rng, 1);
      // Head-top row of the body in a 64-row image.
      tops.push(64 * (0.5 + v.shift) - (0.9 * 64 * v.scale) / 2);
    }
    const spread = Math.max(...tops) - Math.min(...tops);
    expect(spread).toBeGreaterThan(2 * 8 * 1.5);
    expect(tops.filter((t) => t < -4).length).toBeGreaterThan(50); // head cut off by more than half a stripe
    const aligned = sampleView(new Rng(3), 0);
    expect(aligned.shift).toBe(0);
    expect(aligned.scale).toBe(1);
  });

  it('gives each camera its own cast and background', () => {
    const a = cameraStyle(1, 0);
    const b = cameraStyle(1, 1);
    expect(a.gain).not.toEqual(b.gain);
    expect(cameraStyle(1, 0)).toEqual(a);
  });

  it('renders the person: the body axis differs from the background', () => {
    // Well framed, no occluder: the centre column holds the person, with colours of the identity's top.
    const img = generatePedestrianImage({ seed: 2, misalignment: 0, occlusionRate: 0 }, 5, 0, 0);
    const row = 20; // torso
    const centre = (row * REID_IMAGE_WIDTH + Math.round(REID_IMAGE_WIDTH * (0.5 + img.view.dx))) * 3;
    const corner = (row * REID_IMAGE_WIDTH + 0) * 3;
    const d = [0, 1, 2].reduce((s, k) => s + Math.abs(img.data[centre + k] - img.data[corner + k]), 0);
    expect(d).toBeGreaterThan(0);
  });

  it('hashes seeds without collisions on small tuples', () => {
    const seen = new Set<number>();
    for (let a = 0; a < 30; a++) for (let b = 0; b < 30; b++) seen.add(hashSeed(1, a, b));
    expect(seen.size).toBe(900);
  });
});
