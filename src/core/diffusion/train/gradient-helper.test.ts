import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomDigits } from '../../../../scripts/lib/bench-data';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import '../../gpu/kernels/conv2d-backprop-wasm';
import '../../gpu/kernels/matmul-wasm';
import { range } from '../../data/splits';
import { relativeL2 } from '../unet/golden.fixtures';
import { splitSizes } from './batch-gradients';
import {
  ChannelGradientHelper,
  type GradientHelper,
  type GradientReply,
  type GradientRequest,
  gradientRequestHandler,
} from './gradient-helper';
import { presetConfig } from './presets';
import { DEFAULT_TRAIN_SETTINGS, type TrainSettings } from './trainer';
import { TrainingRun } from './training-run';

const data = randomDigits(20, 12);
const train = range(0, data.labels.length);
// An odd batch, so the slices differ in size (2, 2, 1 with two helpers).
const SETTINGS: TrainSettings = {
  ...DEFAULT_TRAIN_SETTINGS,
  batchSize: 5,
  lr: 2e-3,
  warmupSteps: 2,
  seed: 4,
};

/** A helper in this thread, behind the same message protocol (messages cloned as a thread would). */
function loopbackHelper(configJson: Record<string, unknown>): Promise<ChannelGradientHelper> {
  let onReply: (r: GradientReply) => void = () => {};
  const handle = gradientRequestHandler(Promise.resolve(), (r) => onReply(structuredClone(r)));
  return ChannelGradientHelper.start(
    {
      post: (request: GradientRequest) => handle(structuredClone(request)),
      listen: (reply) => {
        onReply = reply;
      },
      terminate: async () => {},
    },
    configJson,
  );
}

function unwrapRun(r: ReturnType<typeof TrainingRun.create>): TrainingRun {
  if (!r.ok) throw new Error(r.error);
  return r.value;
}

function flatWeights(run: TrainingRun): Float32Array {
  const parts: number[] = [];
  for (const v of run.model.params.values()) parts.push(...(v.dataSync() as Float32Array));
  for (const v of run.ema.params.values()) parts.push(...(v.dataSync() as Float32Array));
  return Float32Array.from(parts);
}

describe('data-parallel training steps', () => {
  beforeAll(async () => switchBackend('wasm'));
  afterAll(async () => switchBackend('cpu'));

  it('splits a batch into near-equal contiguous slices, larger first', () => {
    expect(splitSizes(16, 2)).toEqual([8, 8]);
    expect(splitSizes(5, 3)).toEqual([2, 2, 1]);
    expect(splitSizes(2, 3)).toEqual([1, 1, 0]);
  });

  for (const arch of ['unet', 'dit'] as const) {
    it(`a ${arch} step shared with two helpers matches the step computed whole`, async () => {
      const config = presetConfig(arch, 'tiny', [1, 12, 12]);
      const whole = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
      const shared = unwrapRun(TrainingRun.create(config, data, train, SETTINGS));
      const helpers = [await loopbackHelper(shared.configJson), await loopbackHelper(shared.configJson)];
      shared.shareBatchesWith(helpers);
      // At the same weights the gradients agree to float rounding (the batch sums run in another order).
      const batch = whole.source.batch(whole.step);
      const g1 = await whole.trainer.batchGradients(batch);
      const g2 = await shared.trainer.batchGradients(batch);
      for (const [name, g] of Object.entries(g1.grads)) {
        const a = g.dataSync() as Float32Array;
        const b = g2.grads[name].dataSync() as Float32Array;
        // Biases feeding a GroupNorm have an exact zero gradient: both sides are rounding noise (~1e-9).
        if (Math.hypot(...a) < 1e-6) continue;
        expect(relativeL2(b, a), name).toBeLessThan(1e-5);
      }
      tf.dispose([g1.loss, g2.loss, ...Object.values(g1.grads), ...Object.values(g2.grads)]);
      // Adam's first steps (m / sqrt(v) ~ sign(g)) turn that rounding in the near-zero gradients into
      // weight differences of ~lr, so after a few steps the two runs agree less closely.
      for (let i = 0; i < 3; i++) {
        const a = await whole.trainStep();
        const b = await shared.trainStep();
        expect(Math.abs(a.loss - b.loss) / a.loss).toBeLessThan(1e-5);
        expect(Math.abs(a.gradNorm - b.gradNorm) / a.gradNorm).toBeLessThan(1e-4);
      }
      expect(relativeL2(flatWeights(shared), flatWeights(whole))).toBeLessThan(1e-3);
      // Steps after the first leave the tensor count unchanged (helpers included: same engine here).
      const before = tf.memory().numTensors;
      await shared.trainStep();
      await shared.trainStep();
      expect(tf.memory().numTensors).toBe(before);
      whole.dispose();
      shared.dispose();
      for (const h of helpers) await h.close();
    });
  }

  it("a helper's failure fails the step with its reason and leaves the weights and tensors as they were", async () => {
    const run = unwrapRun(
      TrainingRun.create(presetConfig('unet', 'tiny', [1, 12, 12]), data, train, SETTINGS),
    );
    await run.trainStep();
    const weightsBefore = flatWeights(run);
    const tensorsBefore = tf.memory().numTensors;
    const broken: GradientHelper = {
      compute: async () => {
        throw new Error('A gradient helper failed: out of memory');
      },
      close: async () => {},
    };
    run.shareBatchesWith([broken]);
    await expect(run.trainStep()).rejects.toThrow('A gradient helper failed: out of memory');
    expect(run.step).toBe(1);
    expect(Array.from(flatWeights(run))).toEqual(Array.from(weightsBefore));
    expect(tf.memory().numTensors).toBe(tensorsBefore);
    run.dispose();
  });

  it('a helper given a config it cannot build refuses to start, saying why', async () => {
    await expect(loopbackHelper({ arch: 'transformer-xl' })).rejects.toThrow(
      /A gradient helper could not start: .*names the architecture "transformer-xl"/,
    );
  });
});
