/**
 * Test weights that need no file: every state_dict tensor filled from a 32-bit integer hash, exactly as
 * scripts/reference/make_unet_fixture.py fills the official PyTorch model before it records the outputs in
 * fixtures/unet_resupdown_multihead.safetensors. Integer ops and correctly rounded division/sqrt make the
 * values bit-identical in both languages.
 */
import type { ParamSpec } from '../denoiser';

/** Uniform in [-1, 1). */
export function hashUniform(tensorIndex: number, i: number): number {
  let h = Math.imul(i ^ Math.imul(tensorIndex + 1, 0x9e3779b1), 0x85ebca6b) >>> 0;
  h = (h ^ (h >>> 13)) >>> 0;
  h = Math.imul(h, 0xc2b2ae35) >>> 0;
  h = (h ^ (h >>> 16)) >>> 0;
  return (h / 2 ** 32) * 2 - 1;
}

/** The state_dict (PyTorch layouts, bare official names) that the fixture's reference run used. */
export function hashWeights(
  specs: readonly ParamSpec[],
): Map<string, { shape: number[]; data: Float32Array }> {
  const out = new Map<string, { shape: number[]; data: Float32Array }>();
  specs.forEach((spec, index) => {
    const shape = spec.torchShape;
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    const isNorm = shape.length === 1 && spec.name.includes('norm');
    const fanIn = shape.length > 1 ? shape.slice(1).reduce((a, b) => a * b, 1) : 0;
    for (let i = 0; i < n; i++) {
      const u = hashUniform(index, i);
      if (isNorm) data[i] = spec.name.endsWith('.weight') ? 1 + 0.25 * u : 0.25 * u;
      else data[i] = fanIn > 0 ? u / Math.sqrt(fanIn) : u * 0.2;
    }
    out.set(spec.name, { shape: [...shape], data });
  });
  return out;
}
