/**
 * A Market-1501-like split of the synthetic pedestrians:
 * - train and test identities are disjoint;
 * - every identity is seen by at least two of the cameras, with a few images per camera;
 * - per test identity one query, from one camera; the gallery holds the identity's other images, from the
 *   other cameras (true matches) and from the query's camera (which evaluation ignores for that query);
 * - distractors: images of people who are never queried, labelled pid 0 as in Market's gallery;
 * - junk: boxes that hold only a fragment of a test person, labelled pid -1 (Market's junk), which
 *   evaluation ignores.
 * The split holds no pixels: each sample names its image, and `renderSamples` draws them when needed.
 */
import { hashSeed, Rng } from './random';
import {
  type GeneratorOptions,
  generatePedestrianImage,
  type ImageView,
  REID_IMAGE_HEIGHT,
  REID_IMAGE_WIDTH,
  type SyntheticImage,
  sampleView,
} from './synthetic-pedestrians';

/** Label of distractor images (people never queried), as in Market-1501. */
export const DISTRACTOR_PID = 0;
/** Label of junk images (bad boxes), ignored by evaluation, as in Market-1501. */
export const JUNK_PID = -1;

export interface ReidSample {
  /** Identity label for evaluation: > 0 a person, 0 a distractor, -1 junk. */
  pid: number;
  /** The synthetic identity drawn (equal to pid for people; its own id for distractors and junk). */
  identity: number;
  camId: number;
  /** Index among the images of (identity, camId). */
  index: number;
  junk?: boolean;
}

export interface ReidSplitConfig {
  seed: number;
  numCameras: number;
  trainIds: number;
  testIds: number;
  /** Cameras per training identity: uniform in [min, max]. */
  trainCameras: [number, number];
  /** Cameras per test identity: uniform in [min, max] (min >= 2, so every query has a true match). */
  testCameras: [number, number];
  /** Images per (identity, camera): uniform in [1, max]. */
  imagesPerCamera: number;
  distractorIds: number;
  /** Images per distractor identity: uniform in [1, max], from distinct cameras. */
  imagesPerDistractor: number;
  junkImages: number;
  /** Passed to the generator: 0 well framed, 1 full detector-like misalignment. */
  misalignment: number;
  occlusionRate: number;
}

/** Sized for a 2-core CPU: ~3,400 training images, 300 queries, ~2,900 gallery images. */
export const DEFAULT_SPLIT: ReidSplitConfig = {
  seed: 1501,
  numCameras: 6,
  trainIds: 300,
  testIds: 300,
  trainCameras: [3, 6],
  testCameras: [2, 6],
  imagesPerCamera: 4,
  distractorIds: 300,
  imagesPerDistractor: 2,
  junkImages: 100,
  misalignment: 1,
  occlusionRate: 0.25,
};

export interface ReidSplit {
  config: ReidSplitConfig;
  train: ReidSample[];
  query: ReidSample[];
  gallery: ReidSample[];
  /** Sorted training identities; a training sample's class label is its pid's index here. */
  trainPids: number[];
}

/** Picks `k` distinct cameras out of `n`. */
function pickCameras(rng: Rng, n: number, k: number): number[] {
  return rng
    .shuffle(Array.from({ length: n }, (_, i) => i))
    .slice(0, k)
    .sort((a, b) => a - b);
}

const between = (rng: Rng, [lo, hi]: [number, number]): number => lo + rng.int(hi - lo + 1);

function identitySamples(rng: Rng, pid: number, cfg: ReidSplitConfig, cameras: [number, number]) {
  const samples: ReidSample[] = [];
  for (const camId of pickCameras(rng, cfg.numCameras, Math.min(between(rng, cameras), cfg.numCameras))) {
    const n = 1 + rng.int(cfg.imagesPerCamera);
    for (let index = 0; index < n; index++) samples.push({ pid, identity: pid, camId, index });
  }
  return samples;
}

export function validateSplitConfig(cfg: ReidSplitConfig): string[] {
  const problems: string[] = [];
  const positive = (v: number, name: string) => {
    if (!Number.isInteger(v) || v < 1) problems.push(`${name} must be a positive integer, got ${v}`);
  };
  positive(cfg.numCameras, 'numCameras');
  positive(cfg.trainIds, 'trainIds');
  positive(cfg.testIds, 'testIds');
  positive(cfg.imagesPerCamera, 'imagesPerCamera');
  positive(cfg.imagesPerDistractor, 'imagesPerDistractor');
  if (cfg.numCameras < 2) problems.push('numCameras must be at least 2 (queries need another camera)');
  if (cfg.testCameras[0] < 2)
    problems.push('testCameras[0] must be at least 2 (every query needs a true match)');
  for (const [name, r] of [
    ['trainCameras', cfg.trainCameras],
    ['testCameras', cfg.testCameras],
  ] as const) {
    if (r[0] > r[1] || r[0] < 1) problems.push(`${name} must be a range [min, max] with 1 <= min <= max`);
  }
  if (cfg.distractorIds < 0 || cfg.junkImages < 0) problems.push('distractorIds and junkImages must be >= 0');
  return problems;
}

export function buildSplit(overrides: Partial<ReidSplitConfig> = {}): ReidSplit {
  const config: ReidSplitConfig = { ...DEFAULT_SPLIT, ...overrides };
  const problems = validateSplitConfig(config);
  if (problems.length > 0) throw new Error(`buildSplit: ${problems.join('; ')}`);
  const rng = new Rng(hashSeed(config.seed, 0x5b1));

  const trainPids = Array.from({ length: config.trainIds }, (_, i) => i + 1);
  const train = trainPids.flatMap((pid) => identitySamples(rng, pid, config, config.trainCameras));

  const query: ReidSample[] = [];
  const gallery: ReidSample[] = [];
  const testPersons: ReidSample[][] = [];
  for (let i = 0; i < config.testIds; i++) {
    const samples = identitySamples(rng, config.trainIds + 1 + i, config, config.testCameras);
    // The query is the first image of one of the identity's cameras.
    const queryCam = rng.pick([...new Set(samples.map((s) => s.camId))]);
    const q = samples.find((s) => s.camId === queryCam && s.index === 0)!;
    query.push(q);
    testPersons.push(samples);
    for (const s of samples) if (s !== q) gallery.push(s);
  }

  const firstDistractor = config.trainIds + config.testIds + 1;
  for (let i = 0; i < config.distractorIds; i++) {
    const identity = firstDistractor + i;
    const n = Math.min(1 + rng.int(config.imagesPerDistractor), config.numCameras);
    for (const camId of pickCameras(rng, config.numCameras, n)) {
      gallery.push({ pid: DISTRACTOR_PID, identity, camId, index: 0 });
    }
  }

  // Junk: extra boxes of test people that hold only a fragment of the body.
  for (let i = 0; i < config.junkImages; i++) {
    const person = rng.pick(testPersons);
    const camId = rng.int(config.numCameras);
    gallery.push({ pid: JUNK_PID, identity: person[0].identity, camId, index: 1000 + i, junk: true });
  }
  return { config, train, query, gallery, trainPids };
}

/** A junk box: zoomed far into the body, or a sliver of it at the image edge. */
function junkView(view: ImageView): ImageView {
  return { ...view, scale: view.scale * 2.6, shift: view.shift > 0 ? 0.55 : -0.55 };
}

export function generatorOptions(cfg: ReidSplitConfig): GeneratorOptions {
  return { seed: cfg.seed, misalignment: cfg.misalignment, occlusionRate: cfg.occlusionRate };
}

export function renderSample(cfg: ReidSplitConfig, s: ReidSample): SyntheticImage {
  const image = generatePedestrianImage(
    generatorOptions(cfg),
    s.identity,
    s.camId,
    s.index,
    s.junk ? junkView : undefined,
  );
  return { ...image, pid: s.pid };
}

/** The nuisances of a sample's image (box, pose, occluder...) without rendering it: cheap, for analysis. */
export function sampleViewOf(cfg: ReidSplitConfig, s: ReidSample): ImageView {
  // The generator draws the view first from the image's own stream; drawing it alone gives the same view.
  const view = sampleView(
    new Rng(hashSeed(cfg.seed, s.identity, s.camId, s.index)),
    cfg.misalignment,
    cfg.occlusionRate,
  );
  return s.junk ? junkView(view) : view;
}

/**
 * Where the top of the head lies in the box, in stripes of an 8-stripe model (0 = top edge of the box;
 * negative: cut off). Two images whose values differ by k are misaligned by about k stripes.
 */
export function headStripe(view: ImageView): number {
  const top = 0.5 + view.shift - (0.9 * view.scale) / 2;
  return 8 * top;
}

/** The samples' images as one NHWC uint8 batch [n, 64, 32, 3]. */
export function renderSamples(cfg: ReidSplitConfig, samples: readonly ReidSample[]): Uint8Array {
  const size = REID_IMAGE_HEIGHT * REID_IMAGE_WIDTH * 3;
  const out = new Uint8Array(samples.length * size);
  for (let i = 0; i < samples.length; i++) out.set(renderSample(cfg, samples[i]).data, i * size);
  return out;
}

export interface SplitCounts {
  train: number;
  trainIds: number;
  query: number;
  gallery: number;
  galleryDistractors: number;
  galleryJunk: number;
}

export function splitCounts(split: ReidSplit): SplitCounts {
  return {
    train: split.train.length,
    trainIds: split.trainPids.length,
    query: split.query.length,
    gallery: split.gallery.length,
    galleryDistractors: split.gallery.filter((s) => s.pid === DISTRACTOR_PID).length,
    galleryJunk: split.gallery.filter((s) => s.pid === JUNK_PID).length,
  };
}
