import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { JobCancelledError } from '../../job';
import type { Denoiser } from '../denoiser';
import { type EpsModel, type SamplerSpec, sample, samplerPlan } from './sample';
import { affineModel } from './test-helpers';

const model = affineModel([1, 6, 5]);

beforeAll(() => switchBackend('cpu'));

it('every Denoiser is an EpsModel, so a real UNet or DiT can be passed as is (checked by tsc)', () => {
  expectTypeOf<Denoiser>().toExtend<EpsModel>();
});

describe('sample: resources', () => {
  for (const sampler of [
    { kind: 'ddim', steps: 100, eta: 1 },
    { kind: 'ddpm', steps: 100 },
  ] as SamplerSpec[]) {
    it(`${sampler.kind}, 100 steps, with previews: no tensor leaks`, async () => {
      await sample({ model, sampler, batch: 2, seed: 1 }).then((x) => x.dispose()); // warm-up
      const before = tf.memory().numTensors;
      let previews = 0;
      const out = await sample({
        model,
        sampler,
        batch: 2,
        seed: 1,
        onStep: async ({ xt, x0 }) => {
          if (++previews % 10 === 0) await Promise.all([xt.data(), x0.data()]);
        },
      });
      expect(previews).toBe(100);
      expect(tf.memory().numTensors).toBe(before + 1);
      out.dispose();
      expect(tf.memory().numTensors).toBe(before);
    });
  }

  it('the full 1000-step DDPM chain runs and reports progress', async () => {
    const progress: number[] = [];
    const out = await sample({
      model,
      sampler: { kind: 'ddpm' },
      batch: 1,
      seed: 3,
      control: { onProgress: (done, total) => progress.push(done / total) },
    });
    expect(progress.length).toBe(1000);
    expect(progress.at(-1)).toBe(1);
    const data = await out.data();
    expect(data.every(Number.isFinite)).toBe(true);
    out.dispose();
  });
});

describe('sample: cancellation and errors', () => {
  it('stops at the next step when the signal aborts mid-run, leaking nothing', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    const seen: number[] = [];
    const run = sample({
      model,
      sampler: { kind: 'ddim', steps: 50, eta: 0 },
      batch: 2,
      seed: 1,
      control: { signal: controller.signal },
      onStep: ({ step }) => {
        seen.push(step);
        if (step === 3) controller.abort();
      },
    });
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    expect(seen).toEqual([0, 1, 2, 3]);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('stops from outside while it runs (abort arrives through the event loop)', async () => {
    const before = tf.memory().numTensors;
    const controller = new AbortController();
    let steps = 0;
    const slow: EpsModel = {
      imageShape: [1, 6, 5],
      forward: (x, t) => {
        const until = Date.now() + 2; // ~2 ms per network call, so the yields are reached
        while (Date.now() < until) {}
        return model.forward(x, t);
      },
    };
    const run = sample({
      model: slow,
      sampler: { kind: 'ddpm' },
      batch: 1,
      seed: 1,
      control: { signal: controller.signal },
      onStep: () => {
        steps++;
      },
    });
    setTimeout(() => controller.abort(), 50);
    await expect(run).rejects.toBeInstanceOf(JobCancelledError);
    expect(steps).toBeGreaterThan(0);
    expect(steps).toBeLessThan(1000);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('an aborted signal stops it before the first network call', async () => {
    const controller = new AbortController();
    controller.abort();
    let calls = 0;
    const counting: EpsModel = {
      imageShape: [1, 6, 5],
      forward: (x, t) => {
        calls++;
        return model.forward(x, t);
      },
    };
    await expect(
      sample({
        model: counting,
        sampler: { kind: 'ddpm', steps: 10 },
        batch: 1,
        seed: 0,
        control: { signal: controller.signal },
      }),
    ).rejects.toThrow('Cancelled');
    expect(calls).toBe(0);
  });

  it('an error thrown by onStep or the model propagates without leaks', async () => {
    const before = tf.memory().numTensors;
    await expect(
      sample({
        model,
        sampler: { kind: 'ddim', steps: 10, eta: 1 },
        batch: 1,
        seed: 0,
        onStep: ({ step }) => {
          if (step === 2) throw new Error('preview failed');
        },
      }),
    ).rejects.toThrow('preview failed');
    const broken: EpsModel = {
      imageShape: [1, 6, 5],
      forward: () => {
        throw new Error('network failed');
      },
    };
    await expect(
      sample({ model: broken, sampler: { kind: 'ddpm', steps: 5 }, batch: 1, seed: 0 }),
    ).rejects.toThrow('network failed');
    expect(tf.memory().numTensors).toBe(before);
  });

  it('validates noise lengths, batch, steps and eta', async () => {
    const base = { model, batch: 2, seed: 0 };
    await expect(
      sample({ ...base, sampler: { kind: 'ddim', steps: 10, eta: 0 }, noise: { xT: new Float32Array(3) } }),
    ).rejects.toThrow('x_T has 3 values; the batch needs 60');
    await expect(
      sample({
        ...base,
        sampler: { kind: 'ddim', steps: 10, eta: 1 },
        noise: { z: () => new Float32Array(1) },
      }),
    ).rejects.toThrow('z of step 0');
    await expect(sample({ ...base, batch: 0, sampler: { kind: 'ddpm' } })).rejects.toThrow('batch');
    await expect(sample({ ...base, sampler: { kind: 'ddim', steps: 0, eta: 0 } })).rejects.toThrow('steps');
    await expect(sample({ ...base, sampler: { kind: 'ddim', steps: 10, eta: 2 } })).rejects.toThrow('eta');
  });
});

describe('sample: seeds', () => {
  const run = async (seed: number, batch: number, sampler: SamplerSpec) => {
    const out = await sample({ model, sampler, batch, seed });
    const data = await out.data();
    out.dispose();
    return data as Float32Array;
  };

  for (const sampler of [
    { kind: 'ddim', steps: 20, eta: 1 },
    { kind: 'ddpm', steps: 20 },
  ] as SamplerSpec[]) {
    it(`${sampler.kind}: same seed, same images; other seed, other images; batch size does not matter`, async () => {
      const a = await run(7, 2, sampler);
      expect(await run(7, 2, sampler)).toEqual(a);
      const b = await run(8, 2, sampler);
      expect(b).not.toEqual(a);
      // The first two images of a batch of 3 are the images of the batch of 2 (prefix-stable noise).
      expect((await run(7, 3, sampler)).subarray(0, a.length)).toEqual(a);
    });
  }

  it('the noise for step k is stream k + 1 of the seed, used only where the step needs noise', async () => {
    const asked: number[] = [];
    const out = await sample({
      model,
      sampler: { kind: 'ddim', steps: 5, eta: 1 },
      batch: 1,
      seed: 0,
      noise: {
        z: (step) => {
          asked.push(step);
          return new Float32Array(30);
        },
      },
    });
    out.dispose();
    expect(asked).toEqual([0, 1, 2, 3]); // not the last step (t_next = 0)
    const none: number[] = [];
    const det = await sample({
      model,
      sampler: { kind: 'ddim', steps: 5, eta: 0 },
      batch: 1,
      seed: 0,
      noise: {
        z: (step) => {
          none.push(step);
          return new Float32Array(30);
        },
      },
    });
    det.dispose();
    expect(none).toEqual([]);
  });

  it('samplerPlan gives the real number of network calls', () => {
    expect(samplerPlan({ kind: 'ddim', steps: 100, eta: 0 }).length).toBe(100);
    expect(samplerPlan({ kind: 'ddim', steps: 30, eta: 0 }).length).toBe(31);
    expect(samplerPlan({ kind: 'ddpm' }).length).toBe(1000);
    expect(
      samplerPlan({ kind: 'ddpm', steps: 250 })
        .map((c) => c.t)
        .slice(0, 2),
    ).toEqual([997, 993]);
  });
});
