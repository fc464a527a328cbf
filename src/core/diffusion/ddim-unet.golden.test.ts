/**
 * End to end against the official code: the golden tiny UNet, loaded from its checkpoint, driven by our
 * DDIM sampler with the golden x_T and noise, reproduces every x0.i and x.i of the official ddim_sample.
 */
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { loadStateDict } from '../io/checkpoint';
import { goldenDdimCase, sample } from './samplers';
import { loadGolden, relError } from './samplers/test-helpers';
import { createUNet, MNIST_TINY_GOLDEN } from './unet';
import { relativeL2 } from './unet/golden.fixtures';

describe('DDIM with the golden UNet vs the official ddim_sample', () => {
  for (const eta of [0, 1] as const) {
    it(`eta ${eta}: every step to 1e-4 relative (wasm)`, async () => {
      await switchBackend('wasm');
      const golden = loadGolden();
      const model = createUNet(MNIST_TINY_GOLDEN, 'zeros');
      const loaded = loadStateDict(model, golden.tensors);
      expect(loaded.ok).toBe(true);
      const c = goldenDdimCase(golden, eta);
      let worst = 0;
      const perStep: string[] = [];
      const out = await sample({
        model,
        sampler: { kind: 'ddim', steps: 10, eta },
        batch: 3,
        seed: 0,
        noise: { xT: c.xT, z: (i) => c.z[i] },
        onStep: async ({ step, xt, x0 }) => {
          const [x0v, xv] = [await x0.data(), await xt.data()];
          worst = Math.max(worst, relativeL2(x0v, c.x0[step]), relativeL2(xv, c.x[step]));
          perStep.push(
            `t=${c.times[step]} L2 ${relativeL2(x0v, c.x0[step]).toExponential(1)}/${relativeL2(xv, c.x[step]).toExponential(1)} max ${relError(x0v, c.x0[step]).toExponential(1)}/${relError(xv, c.x[step]).toExponential(1)}`,
          );
        },
      });
      out.dispose();
      model.dispose();
      console.info(
        `DDIM eta=${eta} with the golden UNet: worst relative L2 error over 10 steps ${worst.toExponential(2)}\n${perStep.join('\n')}`,
      );
      expect(worst).toBeLessThan(1e-4);
    });
  }
});
