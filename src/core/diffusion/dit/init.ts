/**
 * The official DiT's `initialize_weights` (facebookresearch/DiT `models.py`), which the DiT paper's
 * adaLN-Zero result depends on: every Linear xavier-uniform with zero bias, the patch embedding xavier-uniform
 * over its flattened [hidden, C * p * p] view, the timestep MLP's weights N(0, 0.02), and every
 * adaLN modulation and the final linear layer zero, so each block starts as the identity and a fresh network
 * predicts eps = 0. PyTorch's default initialisation instead starts a deep random transformer whose output
 * is noise of unit scale (the shipped MNIST DiT was trained from it; over 600 steps the loss was level).
 */
import { sizeOf } from '../../io/torch-layout';
import type { ParamSpec } from '../denoiser';

const T_EMBEDDER_STD = 0.02;

const isZeroInit = (name: string): boolean =>
  name.includes('adaLN_modulation') || name.startsWith('final_layer.linear.') || name.endsWith('.bias');

/** Standard normal draws from a uniform generator (Box-Muller). */
function normal(rand: () => number): number {
  const u = 1 - rand(); // (0, 1]: log(u) is finite
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
}

/**
 * One parameter's initial values, `null` for one this initialisation does not set (`pos_embed`, the fixed
 * sin-cos table). The draws are independent, so they fill the tfjs layout directly.
 */
export function ditInitialValues(spec: ParamSpec, rand: () => number): Float32Array | null {
  if (spec.name === 'pos_embed') return null;
  const n = sizeOf(spec.torchShape);
  const values = new Float32Array(n);
  if (isZeroInit(spec.name)) return values;
  if (spec.name.startsWith('t_embedder.mlp.')) {
    for (let i = 0; i < n; i++) values[i] = T_EMBEDDER_STD * normal(rand);
    return values;
  }
  // xavier_uniform_: fan_out = torchShape[0], fan_in = the product of the rest (the conv's flattened view).
  const fanOut = spec.torchShape[0];
  const bound = Math.sqrt(6 / (n / fanOut + fanOut));
  for (let i = 0; i < n; i++) values[i] = (2 * rand() - 1) * bound;
  return values;
}
