/**
 * Sampling in the worker: runs the core sampler, turns every step into pixels for the UI, and keeps the
 * trajectory (x_t and the predicted x0 per step, float32) for the scrubber and the safetensors export.
 */
import { compileShaders } from '../core/diffusion/compile-shaders';
import type { Denoiser } from '../core/diffusion/denoiser';
import { sample } from '../core/diffusion/samplers';
import { writeSafetensors } from '../core/io/safetensors';
import type { ProgressCallback, SampleFrame, SampleRequest, SampleSummary } from './api';

/** The trajectory may hold at most this many bytes of float32; longer runs keep every k-th step. */
const TRAJECTORY_BUDGET_BYTES = 192 * 1024 * 1024;

interface StoredStep {
  step: number;
  total: number;
  t: number;
  xt: Float32Array;
  x0: Float32Array;
}

interface Trajectory {
  request: SampleRequest;
  summary: SampleSummary;
  steps: StoredStep[];
}

let last: Trajectory | null = null;

/** [-1, 1] floats to uint8 pixels, as the official code saves images: (x + 1) / 2, clipped. */
export function toPixels(x: Float32Array): Uint8Array {
  const out = new Uint8Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = Math.round(Math.min(1, Math.max(0, (x[i] + 1) / 2)) * 255);
  return out;
}

const frameOf = (s: StoredStep): SampleFrame => ({
  step: s.step,
  total: s.total,
  t: s.t,
  xt: toPixels(s.xt),
  x0: toPixels(s.x0),
});

export async function runSampling(
  model: Denoiser,
  request: SampleRequest,
  signal: AbortSignal,
  onProgress: ProgressCallback,
  onFrame: (frame: SampleFrame) => void,
): Promise<SampleSummary> {
  const [channels, height, width] = model.imageShape;
  const { batch, steps: requested, sampler, eta, seed } = request;
  const perStepBytes = 2 * 4 * batch * height * width * channels;
  const keepEvery = Math.max(1, Math.ceil((perStepBytes * requested) / TRAJECTORY_BUDGET_BYTES));
  const stored: StoredStep[] = [];
  const stepTimes: number[] = [];
  onProgress({ done: 0, total: 1, label: 'Compiling shaders' });
  const compileStart = performance.now();
  await compileShaders(model, batch);
  const compileMs = performance.now() - compileStart;
  let t0 = performance.now();

  const final = await sample({
    model,
    sampler:
      sampler === 'ddim' ? { kind: 'ddim', steps: requested, eta } : { kind: 'ddpm', steps: requested },
    batch,
    seed,
    control: { signal },
    onStep: async (info) => {
      const [xt, x0] = await Promise.all([info.xt.data(), info.x0.data()]);
      stepTimes.push(performance.now() - t0);
      const step: StoredStep = {
        step: info.step,
        total: info.total,
        t: info.tNext,
        xt: xt as Float32Array,
        x0: x0 as Float32Array,
      };
      if (info.step % keepEvery === 0 || info.step === info.total - 1) stored.push(step);
      onFrame(frameOf(step));
      onProgress({ done: info.step + 1, total: info.total, label: `Step ${info.step + 1}/${info.total}` });
      t0 = performance.now();
    },
  });
  final.dispose();
  const rest = stepTimes.slice(1);
  const summary: SampleSummary = {
    steps: stepTimes.length,
    storedSteps: stored.length,
    batch,
    height,
    width,
    channels,
    compileMs,
    firstStepMs: stepTimes[0] ?? 0,
    msPerStep: rest.length ? rest.reduce((a, b) => a + b, 0) / rest.length : (stepTimes[0] ?? 0),
  };
  last = { request, summary, steps: stored };
  return summary;
}

/** The `index`-th stored step of the last run (the scrubber's position). */
export function trajectoryFrame(index: number): SampleFrame {
  if (!last) throw new Error('No sampling run yet: press Sample first.');
  const s = last.steps[Math.max(0, Math.min(last.steps.length - 1, Math.round(index)))];
  return frameOf(s);
}

/** The last run as safetensors: `xt.{step}` and `x0.{step}` NHWC in [-1, 1], the request in metadata. */
export function exportTrajectory(): Uint8Array {
  if (!last) throw new Error('No sampling run yet: press Sample first.');
  const { batch, height, width, channels } = last.summary;
  const shape = [batch, height, width, channels];
  const tensors = last.steps.flatMap((s) => [
    { name: `xt.${s.step}`, shape, data: s.xt },
    { name: `x0.${s.step}`, shape, data: s.x0 },
  ]);
  tensors.push({
    name: 'times',
    shape: [last.steps.length],
    data: Float32Array.from(last.steps, (s) => s.t),
  });
  return writeSafetensors(tensors, {
    request: JSON.stringify(last.request),
    layout: 'NHWC, values in [-1, 1]; xt.{k} is the state after step k, x0.{k} its clipped x0 prediction',
  });
}
