/**
 * The colour of a synthetic pedestrian at one point of its body frame, or null where the point is not on the
 * person. The frame is measured in body heights: u runs from the top of the head (0) to the soles (1), v
 * across, 0 on the body's axis. Parts are tested front to back, so the first hit is what the camera sees.
 */
import type { PedestrianIdentity, Rgb } from './pedestrian-identity';

/** Per-image pose: what changes between two photos of one person besides the camera and the box. */
export interface PedestrianPose {
  /** Seen from the back: the face is hair, the chest logo is hidden, a backpack covers the torso. */
  back: boolean;
  /** Horizontal distance between the ankles beyond the standing stance (walking), in body heights. */
  legSpread: number;
  /** Arm swing, radians; the left arm swings by -armSwing. */
  armSwing: number;
}

const lerp = (a: number, b: number, t: number): number => a + (b - a) * t;

/** Distance-squared from p to segment ab, and the parameter t of the closest point. */
function segment(pu: number, pv: number, au: number, av: number, bu: number, bv: number): [number, number] {
  const du = bu - au;
  const dv = bv - av;
  let t = ((pu - au) * du + (pv - av) * dv) / (du * du + dv * dv);
  t = Math.min(1, Math.max(0, t));
  const eu = pu - (au + t * du);
  const ev = pv - (av + t * dv);
  return [eu * eu + ev * ev, t];
}

const TORSO_TOP = 0.16;
const TORSO_BOTTOM = 0.52;

function torsoHalfWidth(u: number, build: number): number {
  return build * lerp(0.115, 0.09, (u - TORSO_TOP) / (TORSO_BOTTOM - TORSO_TOP));
}

function topPatternColour(id: PedestrianIdentity, tu: number, tv: number, back: boolean): Rgb {
  const p = id.patternPeriod;
  const stripe = (x: number) => Math.floor(x / p) % 2 === 1;
  switch (id.topPattern) {
    case 'solid':
      return id.top;
    case 'hstripes':
      return stripe(tu) ? id.topAccent : id.top;
    case 'vstripes':
      return stripe((tv + 1) * 0.4) ? id.topAccent : id.top;
    case 'two-tone':
      // Seen from the back, the sides swap.
      return tv > 0 !== back ? id.topAccent : id.top;
    case 'logo':
      return !back && Math.abs(tv) < 0.45 && tu > 0.15 && tu < 0.42 ? id.topAccent : id.top;
    case 'checks':
      return (Math.floor(tu / p) + Math.floor(((tv + 1) * 0.4) / p)) % 2 === 1 ? id.topAccent : id.top;
  }
}

/** Scales a colour by a shading factor (curvature and the light from above). */
const shade = (c: Rgb, f: number): Rgb => [c[0] * f, c[1] * f, c[2] * f];

/** The person's colour at body point (u, v), or null. `v` is already mirrored for a flipped image. */
export function bodyColour(id: PedestrianIdentity, pose: PedestrianPose, u: number, v: number): Rgb | null {
  if (u < -0.01 || u > 1.01 || Math.abs(v) > 0.32) return null;
  const b = id.build;
  const av = Math.abs(v);

  // Head (with hair cap and optional hat).
  const hu = (u - 0.075) / 0.065;
  const hv = v / 0.048;
  if (hu * hu + hv * hv <= 1) {
    if (id.hat && u < 0.05) return id.hat;
    if (pose.back || u < 0.045 || (av > 0.034 && u < 0.1)) return id.hair;
    return id.skin;
  }
  if (id.hat && u > 0.035 && u < 0.05 && av < 0.068) return shade(id.hat, 0.85); // brim
  if (id.longHair && u > 0.06 && u < 0.23 && av < 0.062 && (pose.back || av > 0.03)) return id.hair;

  // One-sided bags hang in front of arms and legs.
  const bagSide = id.bagSide;
  if (id.bag === 'handbag') {
    const x = v * bagSide;
    if (u > 0.44 && u < 0.59 && x > 0.11 * b && x < 0.2 * b) return shade(id.bagColour, 0.95);
    if (u > 0.38 && u <= 0.44 && Math.abs(x - 0.155 * b) < 0.03 * b && Math.abs(x - 0.155 * b) > 0.018 * b) {
      return shade(id.bagColour, 0.8); // handles
    }
  }
  if (id.bag === 'messenger') {
    const x = v * bagSide;
    if (u > 0.45 && u < 0.57 && x > 0.05 * b && x < 0.17 * b) return id.bagColour;
  }

  // Arms: capsules from the shoulders, swinging in opposite directions.
  for (const s of [1, -1] as const) {
    const su = 0.185;
    const sv = s * (torsoHalfWidth(su, b) - 0.012);
    const angle = 0.1 + s * pose.armSwing * 0.5;
    const eu = su + 0.31 * Math.cos(angle);
    const ev = sv + s * 0.31 * Math.sin(angle);
    const [d2, t] = segment(u, v, su, sv, eu, ev);
    const r = 0.031 * b;
    if (d2 <= r * r) {
      if (t > 0.9) return id.skin; // hand
      if (t < (id.longSleeves ? 0.88 : 0.33)) return shade(id.top, 0.9);
      return shade(id.skin, 0.95);
    }
  }

  // Torso, with the top's pattern and bag straps over it.
  if (u >= TORSO_TOP && u <= TORSO_BOTTOM) {
    const w = torsoHalfWidth(u, b);
    if (av <= w) {
      const tu = (u - TORSO_TOP) / (TORSO_BOTTOM - TORSO_TOP);
      const tv = v / w;
      const curve = 1 - 0.22 * tv * tv;
      if (id.bag === 'backpack') {
        if (pose.back && tu > 0.08 && tu < 0.75 && Math.abs(tv) < 0.78) return shade(id.bagColour, curve);
        if (!pose.back && Math.abs(Math.abs(tv) - 0.55) < 0.1 && tu < 0.6) return shade(id.bagColour, 0.85);
      }
      if (id.bag === 'messenger') {
        // Strap from the far shoulder down to the bag's hip.
        const x = tv * bagSide;
        if (Math.abs(x - lerp(-0.75, 0.8, tu)) < 0.14) return shade(id.bagColour, 0.85);
      }
      return shade(topPatternColour(id, tu, tv, pose.back), curve);
    }
    // A backpack shows past the torso's outline from the front.
    if (id.bag === 'backpack' && u > 0.2 && u < 0.46 && av <= w + 0.028 * b) return shade(id.bagColour, 0.7);
  }
  if (u >= 0.13 && u < TORSO_TOP && av < 0.022) return shade(id.skin, 0.9); // neck

  // Legs, feet, and the bottom garment.
  const hipV = 0.045 * b;
  const ankleV = hipV + pose.legSpread / 2;
  if (id.bottomKind === 'skirt' && u >= 0.5 && u < 0.7 && av <= b * lerp(0.095, 0.14, (u - 0.5) / 0.2)) {
    return shade(id.bottom, 1 - 0.15 * (av / (0.14 * b)) ** 2);
  }
  if (u >= 0.5 && u < 0.57 && av <= 0.092 * b) return id.bottom; // pelvis
  const fu = (u - 0.967) / 0.026;
  const fv = (av - ankleV - 0.012) / 0.038;
  if (fu * fu + fv * fv <= 1) return id.shoes;
  const [d2, t] = segment(u, av, 0.52, hipV, 0.95, ankleV);
  const r = lerp(0.046, 0.03, t) * b;
  if (d2 <= r * r) {
    const skin = id.bottomKind === 'skirt' ? u >= 0.7 : id.bottomKind === 'shorts' ? u >= 0.7 : false;
    // Trousers crease along the leg: a little darker on the inner side.
    return shade(skin ? id.skin : id.bottom, av > ankleV ? 1 : 0.88);
  }
  return null;
}
