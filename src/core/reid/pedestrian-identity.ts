/**
 * What makes a synthetic pedestrian recognisable across cameras: clothing colours and patterns on head/hair,
 * torso and legs, a bag, body build. One identity is a pure function of (dataset seed, pid).
 *
 * Colours are drawn so that identities are distinct but not trivially so: about a third of garments are
 * neutral (black, white, grey, navy, beige), as in street scenes, so colour alone often does not identify a
 * person and the pattern, the bag and the vertical layout of parts must be used too.
 */
import { hashSeed, Rng } from './random';

export type Rgb = readonly [number, number, number];

export type TopPattern = 'solid' | 'hstripes' | 'vstripes' | 'two-tone' | 'logo' | 'checks';
export type BottomKind = 'trousers' | 'shorts' | 'skirt';
export type BagKind = 'none' | 'backpack' | 'handbag' | 'messenger';

export interface PedestrianIdentity {
  pid: number;
  skin: Rgb;
  hair: Rgb;
  /** Long hair falls to the shoulders on both sides of the head. */
  longHair: boolean;
  /** A cap covers the top of the head, in its own colour. */
  hat: Rgb | null;
  top: Rgb;
  topPattern: TopPattern;
  /** Second colour of the top's pattern. */
  topAccent: Rgb;
  /** Stripe period of the pattern, as a fraction of the torso height. */
  patternPeriod: number;
  longSleeves: boolean;
  bottom: Rgb;
  bottomKind: BottomKind;
  shoes: Rgb;
  bag: BagKind;
  bagColour: Rgb;
  /** Which side (+1 right, -1 left, in the person's unflipped frame) a one-sided bag hangs on. */
  bagSide: 1 | -1;
  /** Width multiplier of the body outline (0.85 slim .. 1.15 broad). */
  build: number;
}

const NEUTRALS: readonly Rgb[] = [
  [0.08, 0.08, 0.09], // black
  [0.15, 0.15, 0.17], // charcoal
  [0.45, 0.45, 0.47], // grey
  [0.9, 0.9, 0.88], // white
  [0.12, 0.15, 0.32], // navy
  [0.76, 0.7, 0.56], // beige
  [0.35, 0.26, 0.18], // brown
];

const SKINS: readonly Rgb[] = [
  [0.95, 0.8, 0.69],
  [0.87, 0.69, 0.55],
  [0.76, 0.57, 0.42],
  [0.58, 0.41, 0.29],
  [0.42, 0.29, 0.2],
];

const HAIRS: readonly Rgb[] = [
  [0.06, 0.05, 0.05],
  [0.2, 0.13, 0.08],
  [0.4, 0.27, 0.15],
  [0.75, 0.62, 0.38],
  [0.55, 0.55, 0.55],
];

/** HSV (all in [0, 1]) to RGB. */
export function hsv(h: number, s: number, v: number): Rgb {
  const i = Math.floor(h * 6) % 6;
  const f = h * 6 - Math.floor(h * 6);
  const p = v * (1 - s);
  const q = v * (1 - f * s);
  const t = v * (1 - (1 - f) * s);
  const table: Rgb[] = [
    [v, t, p],
    [q, v, p],
    [p, v, t],
    [p, q, v],
    [t, p, v],
    [v, p, q],
  ];
  return table[i];
}

function garmentColour(rng: Rng, neutralProbability: number): Rgb {
  if (rng.chance(neutralProbability)) {
    const [r, g, b] = rng.pick(NEUTRALS);
    const j = rng.range(-0.04, 0.04);
    return [clamp01(r + j), clamp01(g + j), clamp01(b + j)];
  }
  return hsv(rng.uniform(), rng.range(0.35, 0.95), rng.range(0.3, 0.95));
}

const clamp01 = (x: number): number => Math.min(1, Math.max(0, x));

/** A contrasting colour for patterns: the garment's hue turned or its value flipped. */
function accentOf(rng: Rng, base: Rgb): Rgb {
  if (rng.chance(0.5)) return garmentColour(rng, 0.3);
  const lum = 0.3 * base[0] + 0.59 * base[1] + 0.11 * base[2];
  return lum > 0.5 ? [0.1, 0.1, 0.12] : [0.92, 0.92, 0.9];
}

const TOP_PATTERNS: readonly TopPattern[] = [
  'solid',
  'solid',
  'hstripes',
  'vstripes',
  'two-tone',
  'logo',
  'checks',
];

/** The identity `pid` of the data set with seed `datasetSeed`. */
export function pedestrianIdentity(datasetSeed: number, pid: number): PedestrianIdentity {
  const rng = new Rng(hashSeed(datasetSeed, 0x1d, pid));
  const top = garmentColour(rng, 0.3);
  const topPattern = rng.pick(TOP_PATTERNS);
  const bottomKind: BottomKind = rng.chance(0.7) ? 'trousers' : rng.chance(0.5) ? 'shorts' : 'skirt';
  const bag: BagKind = rng.chance(0.45) ? 'none' : rng.pick(['backpack', 'handbag', 'messenger'] as const);
  return {
    pid,
    skin: rng.pick(SKINS),
    hair: rng.pick(HAIRS),
    longHair: rng.chance(0.35),
    hat: rng.chance(0.15) ? garmentColour(rng, 0.4) : null,
    top,
    topPattern,
    topAccent: accentOf(rng, top),
    patternPeriod: rng.range(0.16, 0.3),
    longSleeves: rng.chance(0.6),
    // Trousers are mostly dark or neutral, as in the street.
    bottom: garmentColour(rng, 0.55),
    bottomKind,
    shoes: rng.chance(0.6) ? rng.pick(NEUTRALS) : garmentColour(rng, 0),
    bag,
    bagColour: garmentColour(rng, 0.5),
    bagSide: rng.chance(0.5) ? 1 : -1,
    build: rng.range(0.85, 1.15),
  };
}
