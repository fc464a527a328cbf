/**
 * Parameter allocation for a list of specs: tf.Variables in tfjs layouts, initialised like PyTorch's
 * defaults so that a fresh network already produces non-trivial output, or zeros as a cheap placeholder for
 * weights that a checkpoint will overwrite. The random stream is seeded and generated on the host, so every
 * backend gets the same initial weights.
 */
import * as tf from '@tensorflow/tfjs';
import { sizeOf, tfShapeOf } from '../../io/torch-layout';
import { mulberry32 } from '../../mulberry32';
import type { ParamSpec } from '../denoiser';

/**
 * 'random': PyTorch's default initialisation (non-trivial output from the start); 'official': the
 * initialisation of the architecture's official training code (the UNet's is PyTorch's default, the DiT's
 * its adaLN-Zero `initialize_weights`), what training starts from; 'zeros': a placeholder for checkpoint
 * weights.
 */
export type ParamInit = 'random' | 'official' | 'zeros';

/** An architecture's own initial values for a spec, or null to take PyTorch's default. */
export type CustomInit = (spec: ParamSpec, rand: () => number) => Float32Array | null;

/** Fan-in of a conv [out, in, kh, kw] or linear [out, in] weight, in PyTorch's sense. */
const fanIn = (s: ParamSpec): number => sizeOf(s.torchShape.slice(1));

/**
 * PyTorch's defaults: Conv2d / Linear weights kaiming_uniform(a=sqrt(5)), i.e. U(-1/sqrt(fan_in), +),
 * their biases U(-1/sqrt(fan_in), +); GroupNorm weight 1, bias 0.
 */
function initialValues(spec: ParamSpec, bySpecName: ReadonlyMap<string, ParamSpec>, rand: () => number) {
  const n = sizeOf(spec.torchShape);
  const values = new Float32Array(n);
  const isBias = spec.name.endsWith('.bias');
  const owner = isBias ? bySpecName.get(`${spec.name.slice(0, -'.bias'.length)}.weight`) : spec;
  if (!owner || owner.layout === 'plain') {
    // A normalisation layer (its weight is 1-D): identity affine.
    if (!isBias) values.fill(1);
    return values;
  }
  const bound = 1 / Math.sqrt(fanIn(owner));
  for (let i = 0; i < n; i++) values[i] = (2 * rand() - 1) * bound;
  return values;
}

/** One tf.Variable per spec, keyed by its official name, in spec order. */
export function createParams(
  specs: readonly ParamSpec[],
  init: ParamInit = 'random',
  seed = 0,
  official?: CustomInit,
): Map<string, tf.Variable> {
  const bySpecName = new Map(specs.map((s) => [s.name, s]));
  const rand = mulberry32(seed);
  const params = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const shape = tfShapeOf(spec.torchShape, spec.layout);
    const custom = init === 'official' && official ? official(spec, rand) : null;
    const values =
      init === 'zeros' ? new Float32Array(sizeOf(shape)) : (custom ?? initialValues(spec, bySpecName, rand));
    const initial = tf.tensor(values, shape, 'float32');
    // No variable name: tfjs names must be unique engine-wide, and two models may share official names.
    params.set(spec.name, tf.variable(initial, true));
    initial.dispose();
  }
  return params;
}
