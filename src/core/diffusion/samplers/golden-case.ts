/**
 * Reads the official DDIM trajectories stored in the golden file (`ddim.eta0.*`, `ddim.eta1.*`, see
 * shared/golden/README.md) into NHWC arrays, ready to inject into `sample` and to compare with its steps.
 * The real-UNet end-to-end test feeds `xT` and `z` to `sample` with the imported network and compares
 * every step with `x0` and `x`.
 */

import type { SafetensorsFile } from '../../io/safetensors';
import { nchwToNhwc } from '../../io/torch-layout';

export interface GoldenDdimCase {
  /** [t_0, ..., t_N] with t_N = 0, e.g. [901, 801, ..., 1, 0]; step i goes from times[i] to times[i + 1]. */
  times: number[];
  /** NHWC [batch, height, width, channels]. */
  shape: [number, number, number, number];
  eta: number;
  xT: Float32Array;
  /** The noise of step i (zeros on the last step). */
  z: Float32Array[];
  /** The clipped x0 prediction of step i. */
  x0: Float32Array[];
  /** The state after step i. */
  x: Float32Array[];
}

export function goldenDdimCase(file: SafetensorsFile, eta: 0 | 1): GoldenDdimCase {
  const prefix = `ddim.eta${eta}.`;
  const get = (name: string) => {
    const t = file.tensors.get(prefix + name);
    if (!t) throw new Error(`The golden file has no tensor "${prefix}${name}".`);
    return t;
  };
  const times = Array.from(get('times').data, (v) => Math.round(v));
  const start = get('x_T');
  const [n, c, h, w] = start.shape;
  const nhwc = (name: string) => {
    const t = get(name);
    if (t.shape.join() !== start.shape.join()) throw new Error(`${prefix}${name} has shape [${t.shape}].`);
    return nchwToNhwc(t.data, t.shape);
  };
  const steps = times.length - 1;
  const z: Float32Array[] = [];
  const x0: Float32Array[] = [];
  const x: Float32Array[] = [];
  for (let i = 0; i < steps; i++) {
    z.push(nhwc(`z.${i}`));
    x0.push(nhwc(`x0.${i}`));
    x.push(nhwc(`x.${i}`));
  }
  return { times, shape: [n, h, w, c], eta, xT: nhwc('x_T'), z, x0, x };
}
