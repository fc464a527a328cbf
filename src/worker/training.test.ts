/**
 * The Training panel's run controller on the cpu backend with the tiny DiT on 8x8 synthetic images (a step
 * takes ~0.2 s; the tiny UNet takes ~15 s there, all in tfjs-cpu's Conv2DBackpropFilter, so the UNet is
 * trained on wasm, as the browser does when WebGPU is missing). Covers start/pause/save/stop/resume (exactly the uninterrupted run's losses),
 * divergence, a data set that does not fit, a full storage quota, upload/download and "Use in Sampling".
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { switchBackend } from '../../scripts/lib/test-backends';
import '../core/gpu/kernels/conv2d-backprop-wasm';
import '../core/gpu/kernels/matmul-wasm';
import type { ImageDataset } from '../core/data/dataset';
import { writeSafetensors } from '../core/io/safetensors';
import type { TrainingCheckpointInfo, TrainingEvent, TrainRequest } from './api';
import { importCheckpoint } from './models';
import {
  type CheckpointStore,
  emaOnlyCheckpoint,
  KEEP_AUTO_CHECKPOINTS,
  memoryCheckpointStore,
  TrainingController,
} from './training';

/** Blobs, stripes and gradients: enough structure for a loss to fall, cheap for the cpu backend. */
function syntheticSet(n: number, size: number, channels: number, name = 'synthetic'): ImageDataset {
  const pixels = new Uint8Array(n * size * size * channels);
  for (let i = 0; i < n; i++) {
    for (let y = 0; y < size; y++) {
      for (let x = 0; x < size; x++) {
        const v = (i % 3 === 0 ? x * 32 : i % 3 === 1 ? y * 32 : (x + y) * 16) % 256;
        for (let c = 0; c < channels; c++) pixels[((i * size + y) * size + x) * channels + c] = v;
      }
    }
  }
  return {
    name,
    height: size,
    width: size,
    channels,
    pixels,
    labels: Int32Array.from({ length: n }, (_, i) => i % 3),
    classNames: ['a', 'b', 'c'],
  };
}

const sets: Record<string, ImageDataset> = {
  gray8: syntheticSet(16, 8, 1, 'gray 8x8'),
  rgb8: syntheticSet(16, 8, 3, 'rgb 8x8'),
  empty: { ...syntheticSet(0, 8, 1, 'nothing'), pixels: new Uint8Array(0), labels: new Int32Array(0) },
};

function controller(store: CheckpointStore = memoryCheckpointStore()) {
  return new TrainingController({
    store,
    resolveData: async (id) => {
      const dataset = sets[id];
      if (!dataset) throw new Error(`no data set ${id}`);
      return { dataset, trainIndices: Int32Array.from({ length: dataset.labels.length }, (_, i) => i) };
    },
  });
}

const request = (over: Partial<TrainRequest> = {}): TrainRequest => ({
  datasetId: 'gray8',
  arch: 'dit',
  preset: 'tiny',
  batchSize: 2,
  lr: 1e-3,
  steps: 4,
  previewEvery: 0,
  previewCount: 2,
  previewSteps: 2,
  saveEvery: 0,
  ...over,
});

/** Collects events and resolves `until` promises when a predicate first holds. */
function recorder() {
  const events: TrainingEvent[] = [];
  const waiters: { test: (e: TrainingEvent) => boolean; resolve: (e: TrainingEvent) => void }[] = [];
  const onEvent = (e: TrainingEvent) => {
    events.push(e);
    for (const w of [...waiters]) {
      if (w.test(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  const until = (test: (e: TrainingEvent) => boolean) =>
    new Promise<TrainingEvent>((resolve) => {
      const seen = events.find(test);
      if (seen) resolve(seen);
      else waiters.push({ test, resolve });
    });
  const ended = () =>
    until((e) => e.type === 'state' && ['finished', 'stopped', 'failed'].includes(e.state)) as Promise<
      Extract<TrainingEvent, { type: 'state' }>
    >;
  const losses = () =>
    new Map(events.flatMap((e) => (e.type === 'progress' ? e.progress.points : [])).map((p) => [p[0], p[1]]));
  return { events, onEvent, until, ended, losses };
}

describe('TrainingController (cpu)', () => {
  beforeAll(async () => {
    await switchBackend('cpu');
    // Warm the caches that live for the whole process (schedules), so tensor counts compare runs only.
    const c = controller();
    const r = recorder();
    await c.start(request({ steps: 1, previewEvery: 1 }), r.onEvent);
    await r.ended();
  });

  it('pauses, saves, stops, and resumes from the checkpoint exactly where the uninterrupted run would be', async () => {
    const baseline = tf.memory().numTensors;
    const whole = recorder();
    await controller().start(request({ steps: 4 }), whole.onEvent);
    expect((await whole.ended()).state).toBe('finished');
    expect(tf.memory().numTensors).toBe(baseline);

    const c = controller();
    const first = recorder();
    const onEvent = (e: TrainingEvent) => {
      first.onEvent(e);
      // Pausing from the step-2 report stops the loop right after that step.
      if (e.type === 'progress' && e.progress.step === 2) void c.pause();
    };
    const info = await c.start(request({ steps: 4, saveEvery: 2 }), onEvent);
    expect(info).toMatchObject({ arch: 'dit', preset: 'tiny', imageShape: [1, 8, 8], startStep: 0 });
    expect(info.paramCount).toBeGreaterThan(10_000);
    await first.until((e) => e.type === 'state' && e.state === 'paused');
    expect(c.status).toMatchObject({ state: 'paused', step: 2 });
    expect((await c.list()).map((m) => [m.step, m.kind])).toEqual([[2, 'auto']]);
    const saved = (await c.saveNow()) as TrainingCheckpointInfo;
    expect(saved).toMatchObject({ step: 2, kind: 'manual', targetSteps: 4, arch: 'dit', datasetId: 'gray8' });
    expect(await c.unfinished()).toBeNull(); // its own run is still open

    await c.stop();
    expect(c.status.state).toBe('stopped');
    expect(tf.memory().numTensors).toBe(baseline);
    expect((await c.unfinished())?.id).toBe(saved.id);

    const second = recorder();
    const resumed = await c.resumeFrom({ checkpointId: saved.id, datasetId: null }, second.onEvent);
    expect(resumed).toMatchObject({ startStep: 2, runId: saved.runId, schedule: { steps: 4 } });
    const started = await second.until((e) => e.type === 'started');
    expect(started.type === 'started' && started.history.map((h) => h[0])).toEqual([1, 2]);
    expect((await second.ended()).state).toBe('finished');
    expect(tf.memory().numTensors).toBe(baseline);

    // Same batches, same Adam state, same EMA: the resumed steps reproduce the uninterrupted run.
    const a = whole.losses();
    const b = new Map([...first.losses(), ...second.losses()]);
    for (const step of [1, 2, 3, 4]) expect(b.get(step)).toBe(a.get(step));
    // The manual save at step 2 replaced the automatic one of the same step.
    const list = await c.list();
    expect(list.map((m) => [m.step, m.kind])).toEqual([
      [2, 'manual'],
      [4, 'final'],
    ]);
    expect(await c.unfinished()).toBeNull();
  });

  it('a cosine schedule takes the rate to 0 at the last step; resuming to a later target stretches it', async () => {
    const c = controller();
    const r = recorder();
    const rates: number[] = [];
    const onEvent = (e: TrainingEvent) => {
      r.onEvent(e);
      if (e.type === 'progress') rates.push(e.progress.lr);
    };
    const info = await c.start(request({ steps: 4, lrSchedule: 'cosine', saveEvery: 4 }), onEvent);
    expect(info.lrDecay).toEqual({ fromStep: 0, toStep: 4 }); // no warm-up in a 4-step run
    expect((await r.ended()).state).toBe('finished');
    // The rate of the update made at step s (0-based): lr * (1 + cos(pi * s / 4)) / 2; the last report's.
    expect(rates.at(-1)).toBeCloseTo(1e-3 * 0.5 * (1 + Math.cos((Math.PI * 3) / 4)), 12);
    const final = (await c.list()).find((m) => m.kind === 'final') as TrainingCheckpointInfo;
    const more = recorder();
    const resumed = await c.resumeFrom({ checkpointId: final.id, datasetId: null, steps: 8 }, more.onEvent);
    expect(resumed.lrDecay).toEqual({ fromStep: 0, toStep: 8 });
    expect((await more.ended()).state).toBe('finished');
    const last = more.events.filter((e) => e.type === 'progress').at(-1);
    expect(last?.type === 'progress' && last.progress.lr).toBeCloseTo(
      1e-3 * 0.5 * (1 + Math.cos((Math.PI * 7) / 8)),
      12,
    );
  });

  it('streams previews from the EMA weights, reports rates, and keeps only the newest automatic checkpoints', async () => {
    const c = controller();
    const r = recorder();
    await c.start(request({ steps: 6, previewEvery: 3, previewCount: 3, saveEvery: 1 }), r.onEvent);
    await r.ended();
    const previews = r.events.flatMap((e) => (e.type === 'preview' ? [e.preview] : []));
    expect(previews.map((p) => p.step)).toEqual([3, 6]);
    expect(previews[0]).toMatchObject({ count: 3, height: 8, width: 8, channels: 1 });
    expect(previews[0].pixels.length).toBe(3 * 64);
    const progress = r.events.flatMap((e) => (e.type === 'progress' ? [e.progress] : []));
    const last = progress.at(-1)!;
    expect(last).toMatchObject({ step: 6, targetSteps: 6 });
    expect(last.stepsPerSecond).toBeGreaterThan(0);
    expect(last.etaSeconds).toBe(0);
    expect(last.memory.numTensors).toBeGreaterThan(0);
    expect(Number.isFinite(last.smoothLoss)).toBe(true);
    const points = progress.flatMap((p) => p.points.map((q) => q[0]));
    expect(points).toEqual([1, 2, 3, 4, 5, 6]);
    const kept = (await c.list()).map((m) => [m.step, m.kind]);
    // Autos at 1..5 (the last step saves as "final"); only the newest few autos remain.
    expect(kept).toEqual([...[5 - KEEP_AUTO_CHECKPOINTS + 1, 4, 5].map((s) => [s, 'auto']), [6, 'final']]);
  });

  it('stops on a diverging loss, says so, and keeps the last good checkpoint', async () => {
    const baseline = tf.memory().numTensors;
    const store = memoryCheckpointStore();
    const c = controller(store);
    const r = recorder();
    await c.start(request({ lr: 1e30, steps: 10, saveEvery: 1 }), r.onEvent);
    const end = await r.ended();
    expect(end.state).toBe('failed');
    expect(end.message).toMatch(/diverged at step \d+ \(the loss is (NaN|Infinity)\)/);
    const saved = await store.list();
    expect(saved.length).toBeGreaterThan(0);
    const lastGood = saved.at(-1)!;
    expect(end.message).toContain(`last good checkpoint (step ${lastGood.step}) is kept`);
    expect(saved.every((m) => m.kind === 'auto')).toBe(true);
    expect(tf.memory().numTensors).toBe(baseline);

    // The way out: resume the last good checkpoint with a lower rate.
    const again = recorder();
    const info = await c.resumeFrom(
      { checkpointId: lastGood.id, datasetId: null, lr: 1e-4, steps: lastGood.step + 1 },
      again.onEvent,
    );
    expect(info.lr).toBe(1e-4);
    await again.ended();
  });

  it('serves short calls between steps and holds the next step until they are done', async () => {
    const c = controller();
    const r = recorder();
    await c.start(request({ steps: 1000 }), r.onEvent);
    await r.until((e) => e.type === 'progress');
    const before = c.status.step as number;
    let stepWhenDone = -1;
    await c.serveBeside(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1500));
      stepWhenDone = c.status.step as number;
    });
    // At most the step in flight when the call arrived completes while it runs.
    expect(stepWhenDone).toBeLessThanOrEqual(before + 1);
    await expect.poll(() => c.status.step as number).toBeGreaterThan(stepWhenDone);
    await c.stop();
    expect(c.status.state).toBe('stopped');
  });

  it('refuses an empty data set and a checkpoint on images of another shape, with the reason', async () => {
    const c = controller();
    await expect(c.start(request({ datasetId: 'empty' }), () => {})).rejects.toThrow(/empty/);
    expect(c.status.state).toBe('idle');
    await expect(c.start(request({ batchSize: 32 }), () => {})).rejects.toThrow(
      /16 images, fewer than one batch of 32/,
    );

    const r = recorder();
    await c.start(request({ steps: 1 }), r.onEvent);
    await r.ended();
    const [ckpt] = await c.list();
    const baseline = tf.memory().numTensors;
    await expect(
      c.resumeFrom({ checkpointId: ckpt.id, datasetId: 'rgb8', steps: 3 }, () => {}),
    ).rejects.toThrow(
      'The data set "rgb 8x8" has 8x8 images with 3 channel(s); the network expects 8x8 with 1.',
    );
    expect(tf.memory().numTensors).toBe(baseline);
    await expect(
      c.resumeFrom({ checkpointId: ckpt.id, datasetId: null, steps: 1 }, () => {}),
    ).rejects.toThrow('already at step 1');
    // A second run cannot start while one is active.
    const busy = recorder();
    await c.start(request({ steps: 50 }), busy.onEvent);
    await expect(c.start(request(), () => {})).rejects.toThrow(/already active/);
    await c.stop();
  });

  it('when storage is full: says so, offers the bytes, keeps the earlier checkpoints and trains on', async () => {
    const inner = memoryCheckpointStore();
    let full = false;
    const store: CheckpointStore = {
      ...inner,
      save: async (meta, payload) => {
        if (full) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return inner.save(meta, payload);
      },
    };
    const c = controller(store);
    const r = recorder();
    await c.start(request({ steps: 3, saveEvery: 1 }), (e) => {
      r.onEvent(e);
      if (e.type === 'checkpoint') full = true;
    });
    const end = await r.ended();
    expect(end.state).toBe('finished');
    const failures = r.events.flatMap((e) => (e.type === 'save-failed' ? [e] : []));
    expect(failures.map((f) => f.step)).toEqual([2, 3]);
    expect(failures[0].message).toContain('storage quota');
    expect(failures[0].message).toContain('the checkpoint of step 1 is kept');
    expect(failures[0].fileName).toBe('dit-tiny-gray-8x8-step2.safetensors');
    expect(failures[0].bytes.length).toBeGreaterThan(1000);
    expect((await store.list()).map((m) => m.step)).toEqual([1]);

    // The offered bytes are a complete checkpoint: uploading them elsewhere resumes at step 3.
    full = false;
    const uploaded = await c.upload('rescued.safetensors', failures[1].bytes);
    expect(uploaded).toMatchObject({
      kind: 'upload',
      step: 3,
      arch: 'dit',
      targetSteps: null,
      datasetId: null,
    });
  });

  it('downloads, uploads and deletes checkpoints, and hands the EMA weights to the Sampling panel', async () => {
    const c = controller();
    const r = recorder();
    await c.start(request({ steps: 2 }), r.onEvent);
    await r.ended();
    const [ckpt] = await c.list();
    const file = await c.download(ckpt.id);
    expect(file.fileName).toBe('dit-tiny-gray-8x8-step2.safetensors');

    const up = await c.upload(`some/folder/${file.fileName}`, file.bytes);
    expect(up).toMatchObject({
      name: 'dit-tiny-gray-8x8-step2',
      step: 2,
      arch: 'dit',
      datasetName: 'gray 8x8',
    });
    await expect(c.upload('notes.txt', new Uint8Array(10))).rejects.toThrow(/\.safetensors/);
    const weightsOnly = writeSafetensors([{ name: 'x', shape: [1], data: new Float32Array(1) }]);
    await expect(c.upload('w.safetensors', weightsOnly)).rejects.toThrow(/training record/);
    // An uploaded checkpoint continues on a data set the user picks.
    const cont = recorder();
    await c.resumeFrom({ checkpointId: up.id, datasetId: 'gray8', steps: 3 }, cont.onEvent);
    expect((await cont.ended()).state).toBe('finished');

    const model = await c.emaModelFile(ckpt.id);
    expect(model.fileName).toBe('DiT tiny · gray 8x8 · step 2.safetensors');
    const summary = await importCheckpoint([{ path: model.fileName, bytes: model.bytes }]);
    expect(summary).toMatchObject({ arch: 'dit', imageShape: [1, 8, 8], prefix: 'ema_model.nn_model.' });
    expect(model.bytes.length).toBeLessThan(file.bytes.length / 3);
    expect(() => emaOnlyCheckpoint(new Uint8Array(3), 'x')).toThrow(/not a readable safetensors/);

    await c.remove(ckpt.id);
    expect((await c.list()).map((m) => m.id)).not.toContain(ckpt.id);
    await expect(c.download(ckpt.id)).rejects.toThrow(/no longer stored/);
  });
});

describe('TrainingController (wasm, tiny UNet)', () => {
  beforeAll(async () => {
    await switchBackend('wasm');
  });

  it('trains, previews and saves the tiny UNet, and frees every tensor at the end', async () => {
    const warm = recorder();
    await controller().start(request({ arch: 'unet', steps: 1, previewEvery: 1 }), warm.onEvent);
    await warm.ended();
    const baseline = tf.memory().numTensors;
    const c = controller();
    const r = recorder();
    const info = await c.start(request({ arch: 'unet', steps: 3, previewEvery: 2, saveEvery: 2 }), r.onEvent);
    expect(info).toMatchObject({ arch: 'unet', name: 'UNet tiny · gray 8x8', imageShape: [1, 8, 8] });
    expect((await r.ended()).state).toBe('finished');
    expect(r.events.flatMap((e) => (e.type === 'preview' ? [e.preview.step] : []))).toEqual([2, 3]);
    expect((await c.list()).map((m) => [m.step, m.kind])).toEqual([
      [2, 'auto'],
      [3, 'final'],
    ]);
    expect(tf.memory().numTensors).toBe(baseline);
    const model = await c.emaModelFile((await c.list())[1].id);
    const summary = await importCheckpoint([{ path: model.fileName, bytes: model.bytes }]);
    expect(summary).toMatchObject({ arch: 'unet', name: 'UNet tiny · gray 8x8 · step 3' });
  });
});
