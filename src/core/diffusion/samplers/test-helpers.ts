/** Shared by the sampler tests: the golden file, fake eps models and error measures. */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { parseSafetensors, type SafetensorsFile } from '../../io/safetensors';
import { unwrap } from '../../result';
import type { EpsModel } from './sample';

export function loadGolden(): SafetensorsFile {
  const path = resolve(process.cwd(), '../shared/golden/ddae_unet_mnist_tiny.safetensors');
  return unwrap(parseSafetensors(new Uint8Array(readFileSync(path))));
}

/** eps = 0.1 x + 0.05 + 0.3 t_in: cheap, per-pixel, and depends on the time input so its scaling is tested. */
export const affineEps = (x: number, tIn: number): number => 0.1 * x + 0.05 + 0.3 * tIn;

export function affineModel(imageShape: [number, number, number]): EpsModel {
  return {
    imageShape,
    forward: (x, t) => ({
      eps: tf.tidy(() =>
        tf.add(tf.add(tf.mul(x, 0.1), 0.05), tf.mul(t.reshape([-1, 1, 1, 1]), 0.3)),
      ) as tf.Tensor4D,
    }),
  };
}

/** max |a - b| / max |b|: relative to the array's scale, so values near 0 do not blow it up. */
export function relError(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) throw new Error(`length ${a.length} vs ${b.length}`);
  let diff = 0;
  let scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i] - b[i]));
    scale = Math.max(scale, Math.abs(b[i]));
  }
  return diff / scale;
}
