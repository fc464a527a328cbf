/**
 * A deterministic generator of pedestrian-like RGB crops for person re-identification, standing in for
 * Market-1501, which cannot be downloaded here.
 *
 * Size: 64 x 32 (H x W). It keeps Market's 2:1 aspect, and a stride-8 backbone turns it into the same 8 x 4
 * feature map that ResNet-50 makes of Market's 256 x 128 crops at stride 32, so the AlignedReID heads see
 * 8 stripes of 8 pixel rows each, as in the reproductions; with 16x fewer pixels than 128 x 64, a small
 * ResNet trains in tens of minutes on a 2-core CPU.
 *
 * Each image is a pure function of (seed, pid, camId, index). The nuisances are the ones a pedestrian
 * detector and a camera network cause:
 * - the box: vertical shift and scale of the person (the box cuts the head or the feet, or leaves a margin),
 *   strong by default (up to ~2 of the 8 stripes), which is what the aligned local distance is meant to fix;
 *   a small horizontal shift;
 * - pose: front or back view, leg spread, arm swing; horizontal flips;
 * - partial occlusion (a car or bench from below, a pole or passer-by at a side);
 * - background clutter, different per camera and per image;
 * - per-camera colour cast and brightness, per-image exposure, sensor noise.
 */
import { bodyColour, type PedestrianPose } from './pedestrian-body';
import { hsv, type PedestrianIdentity, pedestrianIdentity, type Rgb } from './pedestrian-identity';
import { hashSeed, Rng } from './random';

export const REID_IMAGE_HEIGHT = 64;
export const REID_IMAGE_WIDTH = 32;

export type BackgroundKind = 'wall' | 'street' | 'foliage' | 'plaza';

/** What a camera does to every image it takes. */
export interface CameraStyle {
  camId: number;
  /** Per-channel gain: the camera's colour cast. */
  gain: Rgb;
  /** Added to every channel after the gain. */
  offset: number;
  background: BackgroundKind;
  colours: readonly [Rgb, Rgb, Rgb];
  /** Texture period of the background, pixels at 64 x 32. */
  period: number;
  /** Row (fraction of the height) where wall meets ground, for 'street' and 'plaza'. */
  horizon: number;
}

export interface Rect {
  /** Fractions of the image: top, left, bottom, right. */
  y0: number;
  x0: number;
  y1: number;
  x1: number;
  colour: Rgb;
}

export interface Occluder {
  /** 'bottom': a car or bench from below; 'side': a pole or a passer-by at one edge. */
  kind: 'bottom' | 'side';
  /** 'bottom': the top edge (fraction of the height). 'side': the width covered (fraction of the width). */
  extent: number;
  /** For 'side': which edge (-1 left, +1 right). */
  side: 1 | -1;
  colour: Rgb;
  /** Horizontal slats (bench, railing) instead of a solid body. */
  slats: boolean;
}

/** Everything that varies per image of one identity under one camera. */
export interface ImageView {
  pose: PedestrianPose;
  flip: boolean;
  /** Offset of the body's centre below the box centre, in box heights (+: the feet are cut). */
  shift: number;
  /** Body height over the well-framed 0.9 box heights (> 1: head and feet cut, < 1: margins). */
  scale: number;
  /** Horizontal offset of the body's axis, in box widths. */
  dx: number;
  occluder: Occluder | null;
  clutter: Rect[];
  /** Per-image exposure factor on top of the camera's gain. */
  exposure: number;
  /** Background texture offset, pixels, so two images of one camera do not share a background. */
  backgroundOffset: [number, number];
}

export interface SyntheticImage {
  pid: number;
  camId: number;
  /** The image's index among the (pid, camId) images of the data set. */
  index: number;
  view: ImageView;
  height: number;
  width: number;
  /** RGB, row-major HWC, height * width * 3 bytes. */
  data: Uint8Array;
}

export interface GeneratorOptions {
  /** Data set seed: identities, cameras and images all derive from it. */
  seed: number;
  height?: number;
  width?: number;
  /** 0: every box well framed; 1 (default): the full detector-like shift and scale ranges. */
  misalignment?: number;
  /** Probability of an occluder per image (default 0.25). */
  occlusionRate?: number;
  /** Samples per pixel along each axis for the person's edges (default 2, i.e. 4 samples). */
  supersample?: number;
}

/** Maximum |shift| (box heights) and maximum log-scale at misalignment 1. */
const MAX_SHIFT = 0.22;
const MAX_LOG_SCALE = Math.log(1.3);

export function cameraStyle(seed: number, camId: number): CameraStyle {
  const rng = new Rng(hashSeed(seed, 0xca, camId));
  const kinds: BackgroundKind[] = ['wall', 'street', 'foliage', 'plaza'];
  const colour = (): Rgb => hsv(rng.uniform(), rng.range(0.05, 0.5), rng.range(0.3, 0.85));
  // A cast of up to +-20 % per channel, like white balance differing between cameras.
  return {
    camId,
    gain: [rng.range(0.8, 1.2), rng.range(0.85, 1.15), rng.range(0.8, 1.2)],
    offset: rng.range(-0.08, 0.08),
    background: kinds[(camId + rng.int(2)) % kinds.length],
    colours: [colour(), colour(), colour()],
    period: rng.range(3, 9),
    horizon: rng.range(0.45, 0.7),
  };
}

/** Draws the per-image nuisances. */
export function sampleView(rng: Rng, misalignment = 1, occlusionRate = 0.25): ImageView {
  const pose: PedestrianPose = {
    back: rng.chance(0.3),
    legSpread: rng.chance(0.6) ? rng.range(0.02, 0.12) : 0,
    armSwing: rng.range(-0.5, 0.5),
  };
  const shift = misalignment * rng.range(-MAX_SHIFT, MAX_SHIFT);
  const scale = Math.exp(misalignment * rng.range(-MAX_LOG_SCALE, MAX_LOG_SCALE));
  let occluder: Occluder | null = null;
  if (rng.chance(occlusionRate)) {
    const bottom = rng.chance(0.6);
    occluder = {
      kind: bottom ? 'bottom' : 'side',
      extent: bottom ? rng.range(0.6, 0.85) : rng.range(0.2, 0.4),
      side: rng.chance(0.5) ? 1 : -1,
      colour: hsv(rng.uniform(), rng.range(0, 0.8), rng.range(0.15, 0.9)),
      slats: rng.chance(0.4),
    };
  }
  const clutter: Rect[] = [];
  const n = rng.int(4);
  for (let i = 0; i < n; i++) {
    const y0 = rng.range(0, 0.9);
    const x0 = rng.range(-0.2, 0.9);
    clutter.push({
      y0,
      x0,
      y1: y0 + rng.range(0.05, 0.35),
      x1: x0 + rng.range(0.1, 0.5),
      colour: hsv(rng.uniform(), rng.range(0, 0.9), rng.range(0.1, 0.95)),
    });
  }
  return {
    pose,
    flip: rng.chance(0.5),
    shift,
    scale,
    dx: rng.range(-0.08, 0.08),
    occluder,
    clutter,
    exposure: rng.range(0.8, 1.2),
    backgroundOffset: [rng.range(0, 64), rng.range(0, 64)],
  };
}

/** Cheap value noise in [0, 1) per integer cell. */
const cellNoise = (a: number, b: number, salt: number): number => hashSeed(a, b, salt) / 4294967296;

function backgroundColour(
  cam: CameraStyle,
  view: ImageView,
  y: number,
  x: number,
  h: number,
  w: number,
): Rgb {
  for (let i = view.clutter.length - 1; i >= 0; i--) {
    const r = view.clutter[i];
    if (y >= r.y0 * h && y < r.y1 * h && x >= r.x0 * w && x < r.x1 * w) return r.colour;
  }
  const [a, b, c] = cam.colours;
  const gy = y + view.backgroundOffset[0];
  const gx = x + view.backgroundOffset[1];
  const p = cam.period;
  switch (cam.background) {
    case 'wall':
      return Math.floor(gx / p) % 3 === 0 ? b : Math.floor(gy / (2 * p)) % 4 === 0 ? c : a;
    case 'street':
      if (y < cam.horizon * h) return Math.floor(gx / p) % 2 === 0 ? a : c;
      return Math.floor(gy / 3) % 5 === 0 ? c : b;
    case 'foliage': {
      const n = cellNoise(Math.floor(gx / p), Math.floor(gy / p), cam.camId);
      return n < 0.45 ? a : n < 0.85 ? b : c;
    }
    case 'plaza':
      if (y < cam.horizon * h) return a;
      return (Math.floor(gx / p) + Math.floor(gy / (p / 2))) % 2 === 0 ? b : c;
  }
}

function occluderColour(o: Occluder, y: number, x: number, h: number, w: number): Rgb | null {
  if (o.kind === 'bottom') {
    if (y < o.extent * h) return null;
    if (o.slats && Math.floor((y - o.extent * h) / 2.5) % 2 === 1) return null;
    return o.colour;
  }
  const inside = o.side < 0 ? x < o.extent * w : x >= (1 - o.extent) * w;
  return inside ? o.colour : null;
}

/** Renders `identity` as seen by `camera` through `view` into an RGB HWC byte image. */
export function renderPedestrian(
  identity: PedestrianIdentity,
  view: ImageView,
  camera: CameraStyle,
  noiseRng: Rng,
  options: { height?: number; width?: number; supersample?: number } = {},
): Uint8Array {
  const h = options.height ?? REID_IMAGE_HEIGHT;
  const w = options.width ?? REID_IMAGE_WIDTH;
  const ss = options.supersample ?? 2;
  const bodyHeight = 0.9 * h * view.scale;
  const top = h * (0.5 + view.shift) - bodyHeight / 2;
  const axis = w * (0.5 + view.dx);
  const out = new Uint8Array(h * w * 3);
  const acc = [0, 0, 0];
  const gain = camera.gain;
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      const bg = backgroundColour(camera, view, r + 0.5, c + 0.5, h, w);
      acc[0] = acc[1] = acc[2] = 0;
      for (let sy = 0; sy < ss; sy++) {
        for (let sx = 0; sx < ss; sx++) {
          const y = r + (sy + 0.5) / ss;
          const x = c + (sx + 0.5) / ss;
          let col = view.occluder ? occluderColour(view.occluder, y, x, h, w) : null;
          let light = 1;
          if (!col) {
            const u = (y - top) / bodyHeight;
            const v = ((x - axis) / bodyHeight) * (view.flip ? -1 : 1);
            col = bodyColour(identity, view.pose, u, v);
            light = 1.08 - 0.16 * u; // light from above
          }
          if (!col) {
            col = bg;
            light = 1;
          }
          acc[0] += col[0] * light;
          acc[1] += col[1] * light;
          acc[2] += col[2] * light;
        }
      }
      const o = (r * w + c) * 3;
      for (let k = 0; k < 3; k++) {
        const value =
          (acc[k] / (ss * ss)) * view.exposure * gain[k] + camera.offset + 0.02 * noiseRng.normal();
        out[o + k] = Math.round(255 * Math.min(1, Math.max(0, value)));
      }
    }
  }
  return out;
}

/**
 * Image `index` of identity `pid` under camera `camId`: the same bytes for the same arguments, always.
 * `adjust` may change the drawn view before rendering (the split uses it to make junk boxes).
 */
export function generatePedestrianImage(
  options: GeneratorOptions,
  pid: number,
  camId: number,
  index: number,
  adjust?: (view: ImageView) => ImageView,
): SyntheticImage {
  const height = options.height ?? REID_IMAGE_HEIGHT;
  const width = options.width ?? REID_IMAGE_WIDTH;
  const rng = new Rng(hashSeed(options.seed, pid, camId, index));
  const drawn = sampleView(rng, options.misalignment ?? 1, options.occlusionRate ?? 0.25);
  const view = adjust ? adjust(drawn) : drawn;
  const data = renderPedestrian(
    pedestrianIdentity(options.seed, pid),
    view,
    cameraStyle(options.seed, camId),
    rng,
    { height, width, supersample: options.supersample },
  );
  return { pid, camId, index, view, height, width, data };
}
