/**
 * The official ddim_sample trajectories of the golden file, replayed: a fake network returns, at step i,
 * the eps implied by the golden state x.{i-1} and prediction x0.i, eps = (x_t - sqrtab x0) / sqrtmab. x0.i
 * was already clipped, so the sampler's clip and re-derivation give it back; the test then checks that
 * the sampler's own arithmetic (clip, re-derived eps, c1, c2, noise use) reproduces every x0.i and x.i.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { nchwToNhwc } from '../../io/torch-layout';
import { cachedSchedule } from '../schedule';
import { goldenDdimCase } from './golden-case';
import { type EpsModel, sample } from './sample';
import { loadGolden, relError } from './test-helpers';

const golden = loadGolden();

beforeAll(() => switchBackend('cpu'));

function replayModel(c: ReturnType<typeof goldenDdimCase>): EpsModel {
  const schedule = cachedSchedule('DDIM');
  const [b, h, w, ch] = c.shape;
  return {
    imageShape: [ch, h, w],
    forward: (_x, tIn) => {
      const time = Math.round(tIn.dataSync()[0] * 1000);
      const i = c.times.indexOf(time);
      const xt = i === 0 ? c.xT : c.x[i - 1];
      const ab = schedule.alphabar_t[time];
      const eps = new Float32Array(xt.length);
      for (let k = 0; k < eps.length; k++) {
        eps[k] = (xt[k] - Math.sqrt(ab) * c.x0[i][k]) / Math.sqrt(1 - ab);
      }
      return { eps: tf.tensor4d(eps, [b, h, w, ch]) };
    },
  };
}

describe('DDIM vs the official golden trajectories', () => {
  for (const eta of [0, 1] as const) {
    it(`eta ${eta}: every x0.i and x.i to 1e-4 relative`, async () => {
      const c = goldenDdimCase(golden, eta);
      expect(c.times).toEqual([901, 801, 701, 601, 501, 401, 301, 201, 101, 1, 0]);
      expect(c.shape).toEqual([3, 28, 28, 1]);
      const errors: Array<{ t: number; x0: number; x: number }> = [];
      const out = await sample({
        model: replayModel(c),
        sampler: { kind: 'ddim', steps: 10, eta },
        batch: 3,
        seed: 0,
        noise: { xT: c.xT, z: (i) => c.z[i] },
        onStep: async ({ step, t, xt, x0 }) => {
          errors.push({
            t,
            x0: relError(await x0.data(), c.x0[step]),
            x: relError(await xt.data(), c.x[step]),
          });
        },
      });
      const worst = { x0: Math.max(...errors.map((e) => e.x0)), x: Math.max(...errors.map((e) => e.x)) };
      console.info(
        `golden DDIM eta=${eta}: max rel error x0 ${worst.x0.toExponential(2)}, x ${worst.x.toExponential(2)}`,
      );
      expect(errors.length).toBe(10);
      expect(worst.x0).toBeLessThanOrEqual(1e-4);
      expect(worst.x).toBeLessThanOrEqual(1e-4);
      expect(relError(await out.data(), c.x[9])).toBeLessThanOrEqual(1e-4);
      out.dispose();
    });
  }

  it('the golden noise is what the file says: zeros on the last step, nonzero before', () => {
    const c = goldenDdimCase(golden, 1);
    expect(c.z[9].every((v) => v === 0)).toBe(true);
    expect(c.z[0].some((v) => v !== 0)).toBe(true);
  });
});

describe('nchwToNhwc', () => {
  it('moves channels last', () => {
    // [1, 2, 2, 2] NCHW: value = 100 c + 10 h + w.
    const nchw = new Float32Array([0, 1, 10, 11, 100, 101, 110, 111]);
    expect(Array.from(nchwToNhwc(nchw, [1, 2, 2, 2]))).toEqual([0, 100, 1, 101, 10, 110, 11, 111]);
    const one = new Float32Array([1, 2, 3, 4, 5, 6]);
    expect(nchwToNhwc(one, [2, 1, 1, 3])).toEqual(one);
    expect(() => nchwToNhwc(one, [1, 2, 3])).toThrow('4 dimensions');
  });
});
