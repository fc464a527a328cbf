import { describe, expect, it } from 'vitest';
import type { ParamSpec } from '../diffusion/denoiser';
import { tfShapeOf, tfToTorch, torchToTf } from './torch-layout';

const iota = (n: number) => Float32Array.from({ length: n }, (_, i) => i);

describe('PyTorch <-> tfjs layouts', () => {
  it('conv [out, in, kh, kw] -> [kh, kw, in, out], element by element', () => {
    const spec: ParamSpec = { name: 'c.weight', torchShape: [4, 3, 2, 5], layout: 'conv' };
    const torch = iota(4 * 3 * 2 * 5);
    const tfValues = torchToTf(spec, torch);
    expect(tfShapeOf(spec.torchShape, spec.layout)).toEqual([2, 5, 3, 4]);
    for (let o = 0; o < 4; o++)
      for (let i = 0; i < 3; i++)
        for (let y = 0; y < 2; y++)
          for (let x = 0; x < 5; x++) {
            expect(tfValues[((y * 5 + x) * 3 + i) * 4 + o]).toBe(torch[((o * 3 + i) * 2 + y) * 5 + x]);
          }
    expect(tfToTorch(spec, tfValues)).toEqual(torch);
  });

  it('linear [out, in] -> [in, out]', () => {
    const spec: ParamSpec = { name: 'l.weight', torchShape: [2, 3], layout: 'linear' };
    expect(tfShapeOf(spec.torchShape, spec.layout)).toEqual([3, 2]);
    expect(Array.from(torchToTf(spec, iota(6)))).toEqual([0, 3, 1, 4, 2, 5]);
    expect(tfToTorch(spec, torchToTf(spec, iota(6)))).toEqual(iota(6));
  });

  it('plain tensors keep their layout but are copied (tfjs may keep the array it is given)', () => {
    const spec: ParamSpec = { name: 'n.bias', torchShape: [4], layout: 'plain' };
    const data = iota(4);
    const out = torchToTf(spec, data);
    expect(out).toEqual(data);
    expect(out).not.toBe(data);
    expect(tfToTorch(spec, data)).not.toBe(data);
  });
});
