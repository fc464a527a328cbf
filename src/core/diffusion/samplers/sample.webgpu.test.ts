/** The same seeded runs on cpu and on webgpu (SwiftShader through Dawn): the noise is made on the CPU. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../../scripts/lib/test-backends';
import { type SamplerSpec, type StepInfo, sample } from './sample';
import { affineModel, relError } from './test-helpers';

const model = affineModel([3, 8, 8]);
const SAMPLERS: SamplerSpec[] = [
  { kind: 'ddim', steps: 5, eta: 1 },
  { kind: 'ddim', steps: 5, eta: 0 },
  { kind: 'ddpm', steps: 5 },
];

async function runAll(): Promise<Float32Array[][]> {
  const results: Float32Array[][] = [];
  for (const sampler of SAMPLERS) {
    const steps: Float32Array[] = [];
    const out = await sample({
      model,
      sampler,
      batch: 2,
      seed: 2024,
      onStep: async ({ x0 }: StepInfo) => {
        steps.push((await x0.data()) as Float32Array);
      },
    });
    steps.push((await out.data()) as Float32Array);
    out.dispose();
    results.push(steps);
  }
  return results;
}

describe('sample on webgpu', () => {
  it('matches the cpu backend to 1e-5 for every x0 and the final x, without leaks', async () => {
    await switchBackend('cpu');
    const cpu = await runAll();
    await switchBackend('webgpu');
    expect(tf.getBackend()).toBe('webgpu');
    await runAll(); // compile the pipelines before counting tensors
    const before = tf.memory().numTensors;
    const gpu = await runAll();
    expect(tf.memory().numTensors).toBe(before);
    let worst = 0;
    for (let s = 0; s < SAMPLERS.length; s++) {
      for (let i = 0; i < cpu[s].length; i++) worst = Math.max(worst, relError(gpu[s][i], cpu[s][i]));
    }
    console.info(`webgpu vs cpu: max rel error ${worst.toExponential(2)}`);
    expect(worst).toBeLessThanOrEqual(1e-5);
  });
});
