import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import '../../gpu/kernels/conv2d-backprop-wasm';
import '../../gpu/kernels/matmul-wasm';
import type { ImageDataset } from '../../data/dataset';
import { range } from '../../data/splits';
import { relativeL2 } from '../unet/golden.fixtures';
import { Adam } from './adam';
import { emaDecay } from './ema';
import { presetConfig } from './presets';
import { readTrainingCheckpoint } from './train-checkpoint';
import { DEFAULT_TRAIN_SETTINGS, learningRateAt, lrDecayProblem, type TrainSettings } from './trainer';
import { TrainingRun } from './training-run';

/** 32 12x12 grayscale images: bright squares at a few positions, so the loss has something to learn. */
function squares(n = 32, size = 12): ImageDataset {
  const pixels = new Uint8Array(n * size * size);
  for (let i = 0; i < n; i++) {
    const x0 = (i * 3) % (size - 4);
    const y0 = (i * 5) % (size - 4);
    for (let y = y0; y < y0 + 4; y++)
      for (let x = x0; x < x0 + 4; x++) pixels[i * size * size + y * size + x] = 255;
  }
  return {
    name: 'squares',
    height: size,
    width: size,
    channels: 1,
    pixels,
    labels: new Int32Array(n),
    classNames: [],
  };
}

const SETTINGS: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  batchSize: 4,
  lr: 2e-3,
  warmupSteps: 2,
  seed: 3,
};
const data = squares();
const train = range(0, data.labels.length);

async function weights(run: TrainingRun): Promise<Float32Array> {
  const parts: number[] = [];
  for (const v of run.model.params.values()) parts.push(...((await v.data()) as Float32Array));
  for (const v of run.ema.params.values()) parts.push(...((await v.data()) as Float32Array));
  return Float32Array.from(parts);
}

function unwrapRun(r: ReturnType<typeof TrainingRun.create>): TrainingRun {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

describe('Adam and EMA', () => {
  beforeAll(async () => switchBackend('cpu'));

  it('Adam matches a hand computation of two PyTorch steps', () => {
    const p = tf.variable(tf.tensor1d([1, -2]));
    const adam = new Adam(new Map([['w', p]]));
    const g = tf.tensor1d([0.5, -1]);
    adam.apply(new Map([['w', p]]), new Map([['w', g]]), 0.1);
    adam.apply(new Map([['w', p]]), new Map([['w', g]]), 0.1);
    // With a constant gradient, m̂ = g and v̂ = g² exactly, so each step moves by lr·g/(|g| + eps) ≈ ±lr.
    const out = p.dataSync();
    expect(out[0]).toBeCloseTo(1 - 0.2, 5);
    expect(out[1]).toBeCloseTo(-2 + 0.2, 5);
    adam.dispose();
    p.dispose();
    g.dispose();
  });

  it('EMA decay warms up as ema-pytorch (inv_gamma 1, power 2/3) and caps at beta', () => {
    expect(emaDecay(0, 0.999)).toBe(0);
    expect(emaDecay(7, 0.999)).toBeCloseTo(1 - 8 ** (-2 / 3), 12); // 0.75
    expect(emaDecay(1e9, 0.999)).toBe(0.999);
  });

  it('the learning rate warms up linearly', () => {
    expect(learningRateAt(0, { lr: 1, warmupSteps: 4 })).toBe(0.25);
    expect(learningRateAt(3, { lr: 1, warmupSteps: 4 })).toBe(1);
    expect(learningRateAt(10, { lr: 1, warmupSteps: 4 })).toBe(1);
  });

  it('a cosine decay takes the learning rate from its peak to 0 between its steps', () => {
    const s = { lr: 2, warmupSteps: 0, decay: { fromStep: 10, toStep: 20 } };
    expect(learningRateAt(10, s)).toBe(2);
    expect(learningRateAt(15, s)).toBeCloseTo(1, 12); // half way: (1 + cos(pi/2)) / 2
    expect(learningRateAt(12, s)).toBeCloseTo(1 + Math.cos(0.2 * Math.PI), 12);
    expect(learningRateAt(20, s)).toBeCloseTo(0, 12);
    expect(learningRateAt(25, s)).toBeCloseTo(0, 12);
    expect(lrDecayProblem({ fromStep: 5, toStep: 5 })).toMatch(/0 <= from < to/);
    expect(lrDecayProblem({ fromStep: 1.5, toStep: 5 })).toMatch(/whole steps/);
    expect(lrDecayProblem(undefined)).toBeNull();
  });
});

describe('training runs', () => {
  afterAll(async () => switchBackend('cpu'));

  // The cpu backend is ~20x slower than wasm, so the longer runs use wasm; each backend still runs a step.
  it('a resumed run continues exactly as the uninterrupted one (UNet, wasm)', async () => {
    await switchBackend('wasm');
    const config = presetConfig('unet', 'tiny', [1, 12, 12]);
    const straight = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
    for (let i = 0; i < 4; i++) await straight.trainStep();
    const expected = await weights(straight);
    straight.dispose();

    const first = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
    for (let i = 0; i < 2; i++) await first.trainStep();
    const bytes = await first.checkpoint();
    first.dispose();
    const resumed = unwrapRun(TrainingRun.resume(bytes, 'ckpt', data, train));
    expect(resumed.step).toBe(2);
    for (let i = 0; i < 2; i++) await resumed.trainStep();
    expect(resumed.step).toBe(4);
    expect(Array.from(await weights(resumed))).toEqual(Array.from(expected));
    expect(resumed.record().lossHistory.map(([s]) => s)).toEqual([1, 2, 3, 4]);
    resumed.dispose();
  });

  it('a resumed run can be annealed: the new decay sets its learning rate and is saved with it', async () => {
    await switchBackend('wasm');
    const config = presetConfig('unet', 'tiny', [1, 12, 12]);
    const first = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
    for (let i = 0; i < 2; i++) await first.trainStep();
    const bytes = await first.checkpoint();
    first.dispose();
    const decay = { fromStep: 1, toStep: 4 };
    const annealed = unwrapRun(TrainingRun.resume(bytes, 'ckpt', data, train, { decay }));
    const rates = [(await annealed.trainStep()).lr, (await annealed.trainStep()).lr];
    // Steps 2 and 3 are 1/3 and 2/3 through the decay: the rate falls to 3/4 and 1/4 of the undecayed one.
    expect(rates[0]).toBeCloseTo(0.75 * learningRateAt(2, SETTINGS), 12);
    expect(rates[1]).toBeCloseTo(0.25 * learningRateAt(3, SETTINGS), 12);
    expect(annealed.record().settings.decay).toEqual(decay);
    const again = unwrapRun(TrainingRun.resume(await annealed.checkpoint(), 'ckpt2', data, train));
    expect(again.record().settings.decay).toEqual(decay);
    annealed.dispose();
    again.dispose();
    const refused = TrainingRun.resume(bytes, 'ckpt', data, train, { decay: { fromStep: 4, toStep: 2 } });
    expect(refused.ok).toBe(false);
    if (!refused.ok) expect(refused.error).toMatch(/0 <= from < to/);
  });

  it('a resumed run can restart at a new peak rate, saved with it; a bad rate is refused', async () => {
    await switchBackend('wasm');
    const config = presetConfig('unet', 'tiny', [1, 12, 12]);
    const first = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
    await first.trainStep();
    const bytes = await first.checkpoint();
    first.dispose();
    const lr = SETTINGS.lr / 4;
    const restarted = unwrapRun(TrainingRun.resume(bytes, 'ckpt', data, train, { lr }));
    expect((await restarted.trainStep()).lr).toBeCloseTo(learningRateAt(2, { ...SETTINGS, lr }), 12);
    expect(restarted.record().settings.lr).toBe(lr);
    restarted.dispose();
    for (const bad of [0, -1, Number.NaN]) {
      const refused = TrainingRun.resume(bytes, 'ckpt', data, train, { lr: bad });
      expect(refused.ok).toBe(false);
      if (!refused.ok) expect(refused.error).toMatch(/learning rate must be a positive number/);
    }
  });

  it("a resumed run's cosine can end at a new step; its start moves only when it would come after the end", async () => {
    await switchBackend('wasm');
    const config = presetConfig('unet', 'tiny', [1, 12, 12]);
    const first = unwrapRun(
      TrainingRun.create(config, data, train, { ...SETTINGS, decay: { fromStep: 5, toStep: 10 } }),
    );
    for (let i = 0; i < 2; i++) await first.trainStep();
    const bytes = await first.checkpoint();
    first.dispose();
    for (const [decayEndsAt, expected] of [
      [20, { fromStep: 5, toStep: 20 }],
      [4, { fromStep: 2, toStep: 4 }],
    ] as const) {
      const run = unwrapRun(TrainingRun.resume(bytes, 'ckpt', data, train, { decayEndsAt }));
      expect(run.record().settings.decay).toEqual(expected);
      run.dispose();
    }
    // A run without a cosine keeps its constant rate.
    const constant = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
    const plain = await constant.checkpoint();
    constant.dispose();
    const kept = unwrapRun(TrainingRun.resume(plain, 'ckpt', data, train, { decayEndsAt: 20 }));
    expect(kept.record().settings.decay).toBeUndefined();
    kept.dispose();
  });

  it('the loss falls and no tensor leaks over repeated steps (DiT, wasm)', async () => {
    await switchBackend('wasm');
    const run = unwrapRun(
      TrainingRun.create(presetConfig('dit', 'tiny', [1, 12, 12]), data, train, {
        ...SETTINGS,
        batchSize: 8,
      }),
    );
    await run.trainStep();
    const before = tf.memory().numTensors;
    const losses: number[] = [];
    for (let i = 0; i < 24; i++) losses.push((await run.trainStep()).loss);
    expect(tf.memory().numTensors).toBe(before);
    const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(losses.slice(-8))).toBeLessThan(0.8 * mean(losses.slice(0, 8)));
    run.dispose();
    expect(tf.memory().numTensors).toBeLessThan(before);
  }, 300_000);

  const cases = [
    { arch: 'dit', reference: 'cpu', backends: ['wasm', 'webgpu'] },
    { arch: 'unet', reference: 'wasm', backends: ['cpu', 'webgpu'] },
  ] as const;
  for (const { arch, reference, backends } of cases) {
    for (const backend of backends) {
      it(`one ${arch} training step on ${backend} matches the same step on ${reference}`, async () => {
        const config = presetConfig(arch, 'tiny', [1, 12, 12]);
        const settings = { ...SETTINGS, batchSize: 2 };
        await switchBackend(reference);
        // PyTorch's default init, not the DiT's adaLN-Zero one: every gradient is non-zero from step 1.
        const ref = unwrapRun(TrainingRun.create(config, data, train, settings, 'random'));
        const refLoss = (await ref.trainStep()).loss;
        const refWeights = await weights(ref);
        ref.dispose();
        await switchBackend(backend);
        const run = unwrapRun(TrainingRun.create(config, data, train, settings, 'random'));
        const r = await run.trainStep();
        expect(Math.abs(r.loss - refLoss) / refLoss).toBeLessThan(1e-4);
        expect(relativeL2(await weights(run), refWeights)).toBeLessThan(1e-4);
        run.dispose();
      }, 300_000);
    }
  }
});

describe('bad input', () => {
  it('refuses a data set of the wrong image size, naming both shapes', () => {
    const r = TrainingRun.create(presetConfig('unet', 'tiny', [1, 28, 28]), data, train, SETTINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/12x12 images with 1 channel.*expects 28x28 with 1/);
  });

  it('refuses a training set smaller than one batch', () => {
    const r = TrainingRun.create(presetConfig('unet', 'tiny', [1, 12, 12]), data, range(0, 2), SETTINGS);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/fewer than one batch/);
  });

  it('stops on a diverging loss without touching the weights', async () => {
    await switchBackend('cpu');
    const run = unwrapRun(
      TrainingRun.create(presetConfig('dit', 'tiny', [1, 12, 12]), data, train, {
        ...SETTINGS,
        lr: 1e30,
        warmupSteps: 0,
      }),
    );
    let error: unknown;
    for (let i = 0; i < 5 && !error; i++) {
      try {
        await run.trainStep();
      } catch (e) {
        error = e;
      }
    }
    expect((error as Error)?.name).toBe('NonFiniteLossError');
    const w = await weights(run);
    expect(w.every(Number.isFinite)).toBe(true);
    run.dispose();
  });

  it('a weights-only file cannot resume and says why', async () => {
    const r = readTrainingCheckpoint(new Uint8Array([1, 2, 3]), 'junk.safetensors');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(/junk.safetensors is not a readable safetensors file/);
  });
});
