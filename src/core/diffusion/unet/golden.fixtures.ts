/**
 * Test helpers: reference files made by the official DDAE code in PyTorch (the shared golden file and our
 * res-up/down multi-head fixture), NCHW <-> NHWC conversion and the
 * relative L2 error used to compare our UNet with it.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadStateDict, readCheckpointConfig } from '../../io/checkpoint';
import { parseSafetensors, type SafetensorsFile } from '../../io/safetensors';
import { nchwToNhwc } from '../../io/torch-layout';
import { unwrap } from '../../result';
import type { Denoiser } from '../denoiser';
import { MNIST_TINY_GOLDEN, type UNetConfig } from './config';
import { hashWeights } from './hash-weights.fixtures';
import { createUNet } from './unet';

export const GOLDEN_PATH = resolve(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');
export const RES_UPDOWN_FIXTURE_PATH = resolve(
  process.cwd(),
  'src/core/diffusion/unet/fixtures/unet_resupdown_multihead.safetensors',
);

export function readReference(path: string): SafetensorsFile {
  return unwrap(parseSafetensors(new Uint8Array(readFileSync(path))), path);
}

/** A reference tensor, cut to its first `batch` samples (axis 0) when given. */
export function referenceTensor(file: SafetensorsFile, name: string, batch?: number) {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`reference tensor ${name} is missing`);
  if (batch === undefined || batch >= t.shape[0]) return t;
  const shape = [batch, ...t.shape.slice(1)];
  return {
    ...t,
    shape,
    data: t.data.subarray(
      0,
      shape.reduce((a, b) => a * b, 1),
    ),
  };
}

/** ||a - b|| / ||b||. */
export function relativeL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let ref = 0;
  for (let i = 0; i < a.length; i++) {
    diff += (a[i] - b[i]) ** 2;
    ref += b[i] ** 2;
  }
  return Math.sqrt(diff) / Math.sqrt(ref);
}

export interface ReferenceErrors {
  eps: number;
  activations: Record<string, number>;
  features: Record<string, number>;
}

/** Runs the reference file's inputs through `model` (weights already loaded) and measures every output. */
export async function compareWithReference(
  model: Denoiser,
  file: SafetensorsFile,
  batch?: number,
): Promise<ReferenceErrors> {
  const x = referenceTensor(file, 'input.x', batch);
  const t = referenceTensor(file, 'input.t', batch);
  const [n, c, h, w] = x.shape;
  const xs = tf.tensor4d(nchwToNhwc(x.data, x.shape), [n, h, w, c]);
  const ts = tf.tensor1d(t.data);
  const out = model.forward(xs, ts, { taps: true });
  tf.dispose([xs, ts]);
  try {
    const epsRef = referenceTensor(file, 'output.eps', batch);
    const errors: ReferenceErrors = {
      eps: relativeL2(await out.eps.data(), nchwToNhwc(epsRef.data, epsRef.shape)),
      activations: {},
      features: {},
    };
    const expectedTaps = Number(file.metadata.n_taps);
    if (out.taps.length !== expectedTaps)
      throw new Error(`${out.taps.length} taps, reference has ${expectedTaps}`);
    for (const tap of out.taps) {
      const act = referenceTensor(file, `activation.${tap.name}`, batch);
      const feat = referenceTensor(file, `feature.${tap.name}`, batch);
      const [, ac, ah, aw] = act.shape;
      if (tap.activation.shape.join() !== [n, ah, aw, ac].join()) {
        throw new Error(
          `${tap.name}: shape [${tap.activation.shape}] vs reference NHWC [${[n, ah, aw, ac]}]`,
        );
      }
      errors.activations[tap.name] = relativeL2(await tap.activation.data(), nchwToNhwc(act.data, act.shape));
      errors.features[tap.name] = relativeL2(await tap.pooled.data(), feat.data);
    }
    return errors;
  } finally {
    tf.dispose([out.eps, ...out.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
  }
}

/**
 * The golden file: its `weights.*` loaded through loadStateDict into a zero-initialised tiny UNet, run on
 * its first `batch` inputs (all 3 by default).
 */
export async function measureGolden(batch?: number): Promise<ReferenceErrors> {
  const file = readReference(GOLDEN_PATH);
  const model = createUNet(MNIST_TINY_GOLDEN, 'zeros');
  try {
    unwrap(loadStateDict(model, file.tensors), 'golden weights');
    return await compareWithReference(model, file, batch);
  } finally {
    model.dispose();
  }
}

/** The res-up/down multi-head fixture: config from its metadata, hash weights (bare names). */
export async function measureResUpdownFixture(): Promise<ReferenceErrors> {
  const file = readReference(RES_UPDOWN_FIXTURE_PATH);
  const cfg = unwrap(readCheckpointConfig(file), 'fixture config');
  if (cfg.arch !== 'unet') throw new Error('fixture config is not a UNet');
  const model = createUNet(cfg.config, 'zeros');
  try {
    unwrap(loadStateDict(model, hashWeights(model.specs)), 'hash weights');
    return await compareWithReference(model, file);
  } finally {
    model.dispose();
  }
}

export const worstError = (e: ReferenceErrors): number =>
  Math.max(e.eps, ...Object.values(e.activations), ...Object.values(e.features));

/** A small UNet with attention and one down/up level: fast enough for tests on every backend. */
export const SMALL_UNET: UNetConfig = {
  imageShape: [1, 8, 8],
  nChannels: 32,
  chMults: [1, 2],
  isAttn: [false, true],
  attnChannelsPerHead: null,
  nBlocks: 1,
  useResForUpdown: false,
  dropout: 0,
};
