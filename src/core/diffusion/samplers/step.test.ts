/**
 * One DDIM and one DDPM step against the official formulas written out in plain float64 JS numbers,
 * with a fake eps model. Inputs span [-3, 3] so that some x0 predictions are clipped and some are not.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { gaussianNoise } from '../rng';
import { cachedSchedule, type NoiseSchedule } from '../schedule';
import { ddimCoefficients, ddpmCoefficients, type StepCoefficients } from './coefficients';
import { type SamplerSpec, sample } from './sample';
import { affineEps, affineModel, relError } from './test-helpers';
import { denoiseUpdate } from './update';

const SHAPE: [number, number, number, number] = [2, 5, 4, 3];
const SIZE = 2 * 5 * 4 * 3;
const clip = (v: number) => Math.min(1, Math.max(-1, v));

/** pred_eps_ with clip_x=True, per element. */
function predict(x: number, eps: number, ab: number): { x0: number; eps: number } {
  const x0 = clip((x - Math.sqrt(1 - ab) * eps) / Math.sqrt(ab));
  return { x0, eps: (x - x0 * Math.sqrt(ab)) / Math.sqrt(1 - ab) };
}

/**
 * Official ddim_sample body for one (time, time_next) pair. Its scalars c1, c2 are float32 tensors there, and
 * 1 - ab/ab_next cancels badly near t = 1 (5e-4 relative in float32), so they are rounded the same way here.
 */
function handDdim(s: NoiseSchedule, t: number, tn: number, eta: number, x: number[], z: number[]) {
  const r = Math.fround;
  const ab = s.alphabar_t[t];
  const abn = s.alphabar_t[tn];
  const c1 = r(eta * r(Math.sqrt(r(r(r(1 - r(ab / abn)) * r(1 - abn)) / r(1 - ab)))));
  const c2 = r(Math.sqrt(r(r(1 - abn) - r(c1 ** 2))));
  return x.map((xi, i) => {
    const p = predict(xi, affineEps(xi, t / 1000), ab);
    return { x0: p.x0, x: Math.sqrt(abn) * p.x0 + c2 * p.eps + c1 * (tn > 0 ? z[i] : 0) };
  });
}

/**
 * Official `sample` body for step t -> t - 1 (its table entries); for a jump, the same formula with the
 * jump's effective beta = 1 - alphabar_t / alphabar_t_next.
 */
function handDdpm(s: NoiseSchedule, t: number, tn: number, x: number[], z: number[]) {
  const ab = s.alphabar_t[t];
  const beta = 1 - ab / s.alphabar_t[tn];
  const full = tn === t - 1;
  const oneoverSqrta = full ? s.oneover_sqrta[t] : 1 / Math.sqrt(1 - beta);
  const maOverSqrtmab = full ? s.ma_over_sqrtmab[t] : beta / Math.sqrt(1 - ab);
  const sqrtBeta = full ? s.sqrt_beta_t[t] : Math.sqrt(beta);
  return x.map((xi, i) => {
    const p = predict(xi, affineEps(xi, t / 1000), ab);
    const mean = oneoverSqrta * (xi - maOverSqrtmab * p.eps);
    return { x0: p.x0, x: mean + sqrtBeta * (tn > 0 ? z[i] : 0) };
  });
}

async function runUpdate(c: StepCoefficients, x: number[], z: number[]) {
  const xt = tf.tensor4d(x, SHAPE);
  const eps = affineModel([3, 5, 4]).forward(xt, tf.fill([2], c.t / 1000) as tf.Tensor1D).eps;
  const zt = tf.tensor4d(z, SHAPE);
  const r = denoiseUpdate(xt, eps, c, zt);
  const out = { x0: Array.from(await r.x0.data()), x: Array.from(await r.xNext.data()) };
  tf.dispose([xt, eps, zt, r.x0, r.xNext]);
  return out;
}

const X = Array.from(gaussianNoise(1, 0, SIZE), (v) => 1.5 * v);
const Z = Array.from(gaussianNoise(1, 1, SIZE));

beforeAll(() => switchBackend('cpu'));

describe('single steps vs the official formulas', () => {
  const ddim = cachedSchedule('DDIM');
  const ddpm = cachedSchedule('DDPM');

  for (const [t, tn, eta] of [
    [901, 801, 0],
    [901, 801, 1],
    [501, 401, 0.5],
    [11, 1, 1],
    [1, 0, 1],
    [1, 0, 0],
  ]) {
    it(`DDIM ${t} -> ${tn}, eta ${eta}`, async () => {
      const want = handDdim(ddim, t, tn, eta, X, Z);
      const got = await runUpdate(ddimCoefficients(ddim, t, tn, eta), X, Z);
      expect(
        relError(
          got.x0,
          want.map((w) => w.x0),
        ),
      ).toBeLessThan(1e-5);
      expect(
        relError(
          got.x,
          want.map((w) => w.x),
        ),
      ).toBeLessThan(1e-5);
      // Some predictions were clipped, some were not: both branches were exercised.
      expect(got.x0.some((v) => Math.abs(v) === 1) && got.x0.some((v) => Math.abs(v) < 1)).toBe(true);
    });
  }

  for (const [t, tn] of [
    [1000, 999],
    [500, 499],
    [2, 1],
    [1, 0],
    [901, 801],
    [501, 1],
  ]) {
    it(`DDPM ${t} -> ${tn}${tn < t - 1 ? ' (respaced)' : ''}`, async () => {
      const want = handDdpm(ddpm, t, tn, X, Z);
      const got = await runUpdate(ddpmCoefficients(ddpm, t, tn), X, Z);
      expect(
        relError(
          got.x0,
          want.map((w) => w.x0),
        ),
      ).toBeLessThan(1e-5);
      expect(
        relError(
          got.x,
          want.map((w) => w.x),
        ),
      ).toBeLessThan(1e-5);
    });
  }

  it('a full-chain DDPM step uses the official tables', () => {
    const c = ddpmCoefficients(ddpm, 500, 499);
    expect(c.cx).toBe(ddpm.oneover_sqrta[500]);
    expect(c.cz).toBe(ddpm.sqrt_beta_t[500]);
    expect(c.cx0).toBe(0);
    expect(ddpmCoefficients(ddpm, 1, 0).cz).toBe(0);
  });

  it('DDIM: eta = 0 draws no noise, the last step draws none, alphabar_0 is 1 - beta1', () => {
    expect(ddimCoefficients(ddim, 901, 801, 0).cz).toBe(0);
    expect(ddimCoefficients(ddim, 1, 0, 1).cz).toBe(0);
    expect(ddimCoefficients(ddim, 1, 0, 0).cx0).toBe(Math.fround(Math.sqrt(Math.fround(0.9999))));
    expect(() => ddimCoefficients(ddim, 1, 1, 0)).toThrow('t_next');
    expect(() => ddimCoefficients(ddim, 2, 1, 1.5)).toThrow('eta');
  });
});

describe('two whole sampler runs vs a hand loop (noise, time input and step order)', () => {
  const specs: Array<[SamplerSpec, (x: number[], t: number, tn: number, z: number[]) => { x: number }[]]> = [
    [{ kind: 'ddim', steps: 2, eta: 1 }, (x, t, tn, z) => handDdim(cachedSchedule('DDIM'), t, tn, 1, x, z)],
    [{ kind: 'ddpm', steps: 2 }, (x, t, tn, z) => handDdpm(cachedSchedule('DDPM'), t, tn, x, z)],
  ];
  for (const [spec, hand] of specs) {
    it(`${spec.kind}: times [501, 1, 0]`, async () => {
      const seed = 99;
      let x = Array.from(gaussianNoise(seed, 0, SIZE));
      const times = [501, 1, 0];
      for (let i = 0; i < 2; i++) {
        x = hand(x, times[i], times[i + 1], Array.from(gaussianNoise(seed, i + 1, SIZE))).map((r) => r.x);
      }
      const out = await sample({ model: affineModel([3, 5, 4]), sampler: spec, batch: 2, seed });
      expect(out.shape).toEqual(SHAPE);
      expect(relError(await out.data(), x)).toBeLessThan(1e-5);
      out.dispose();
    });
  }
});
