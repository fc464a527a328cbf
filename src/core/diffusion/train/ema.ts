/**
 * Exponential moving average of the weights, as `ema_pytorch.EMA` does it for the official DDAE runs: the
 * decay warms up as 1 - (1 + step)^(-power) (inv_gamma 1, power 2/3), capped at `beta`, so early averages
 * are not dominated by the random initialisation.
 */
import * as tf from '@tensorflow/tfjs';

export const EMA_POWER = 2 / 3;

/** The decay used for update number `step` (0-based): 0 at the first update, so the EMA starts as a copy. */
export function emaDecay(step: number, beta: number, power = EMA_POWER): number {
  if (step <= 0) return 0;
  return Math.min(beta, Math.max(0, 1 - (1 + step) ** -power));
}

/** ema <- decay * ema + (1 - decay) * online, for every parameter. */
export function updateEma(
  ema: ReadonlyMap<string, tf.Variable>,
  online: ReadonlyMap<string, tf.Variable>,
  decay: number,
): void {
  tf.tidy(() => {
    for (const [name, e] of ema) {
      const p = online.get(name);
      if (!p) throw new Error(`EMA: the online model has no parameter "${name}"`);
      e.assign(decay === 0 ? tf.clone(p) : tf.add(tf.mul(e, decay), tf.mul(p, 1 - decay)));
    }
  });
}
