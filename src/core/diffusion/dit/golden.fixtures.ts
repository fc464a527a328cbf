/**
 * Test helpers: the PyTorch DiT fixture (scripts/reference/make_dit_fixture.py) and the comparison of our
 * DiT with it (relative L2 of eps, every `layer-i` activation and its token mean).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadStateDict, readCheckpointConfig } from '../../io/checkpoint';
import { parseSafetensors, type SafetensorsFile, type SafetensorsTensor } from '../../io/safetensors';
import { nchwToNhwc } from '../../io/torch-layout';
import { unwrap } from '../../result';
import { type ReferenceErrors, relativeL2 } from '../unet/golden.fixtures';
import type { DiTConfig } from './config';
import { ditConfigFromJson } from './config-json';
import { createDiT, type DiTDenoiser } from './dit';

export { type ReferenceErrors, relativeL2, worstError } from '../unet/golden.fixtures';

export const DIT_FIXTURE_PATH = resolve(
  process.cwd(),
  'src/core/diffusion/dit/fixtures/dit_tiny_uncond.safetensors',
);

export function referenceTensor(file: SafetensorsFile, name: string): SafetensorsTensor {
  const t = file.tensors.get(name);
  if (!t) throw new Error(`reference tensor ${name} is missing`);
  return t;
}

export function readDiTFixture(): { file: SafetensorsFile; config: DiTConfig } {
  const file = unwrap(parseSafetensors(new Uint8Array(readFileSync(DIT_FIXTURE_PATH))), DIT_FIXTURE_PATH);
  const cfg = unwrap(readCheckpointConfig(file), 'DiT fixture config');
  if (cfg.arch !== 'dit') throw new Error('the fixture config is not a DiT');
  return { file, config: unwrap(ditConfigFromJson(cfg.json), 'DiT fixture config') };
}

/** The fixture's weights loaded into a zero-initialised DiT. */
export function loadFixtureModel(): { model: DiTDenoiser; file: SafetensorsFile } {
  const { file, config } = readDiTFixture();
  const model = createDiT(config, 'zeros');
  unwrap(loadStateDict(model, file.tensors), 'DiT fixture weights');
  return { model, file };
}

/** Runs the fixture's inputs through its weights and measures every output. */
export async function measureDiTFixture(): Promise<ReferenceErrors> {
  const { model, file } = loadFixtureModel();
  try {
    const x = referenceTensor(file, 'input.x');
    const t = referenceTensor(file, 'input.t');
    const [n, c, h, w] = x.shape;
    const xs = tf.tensor4d(nchwToNhwc(x.data, x.shape), [n, h, w, c]);
    const ts = tf.tensor1d(t.data);
    const out = model.forward(xs, ts, { taps: true });
    tf.dispose([xs, ts]);
    try {
      const epsRef = referenceTensor(file, 'output.eps');
      const errors: ReferenceErrors = {
        eps: relativeL2(await out.eps.data(), nchwToNhwc(epsRef.data, epsRef.shape)),
        activations: {},
        features: {},
      };
      if (out.taps.length !== Number(file.metadata.n_taps))
        throw new Error(`${out.taps.length} taps, the fixture has ${file.metadata.n_taps}`);
      for (const tap of out.taps) {
        const act = referenceTensor(file, `activation.${tap.name}`);
        if (tap.activation.shape.join() !== act.shape.join())
          throw new Error(`${tap.name}: shape [${tap.activation.shape}] vs reference [${act.shape}]`);
        errors.activations[tap.name] = relativeL2(await tap.activation.data(), act.data);
        errors.features[tap.name] = relativeL2(
          await tap.pooled.data(),
          referenceTensor(file, `feature.${tap.name}`).data,
        );
      }
      return errors;
    } finally {
      tf.dispose([out.eps, ...out.taps.flatMap((tp) => [tp.activation, tp.pooled])]);
    }
  } finally {
    model.dispose();
  }
}
