/**
 * The scalars of one sampling step, for the official DDIM and DDPM-ancestral updates, written in a single
 * form so one update routine (update.ts, later one WGSL kernel) serves both:
 *
 *   x0     = clip((x - sqrtmab * eps) / sqrtab, -1, 1)      # official pred_eps_, clip_x=True
 *   eps'   = (x - sqrtab * x0) / sqrtmab                     # eps re-derived from the clipped x0
 *   x_next = cx * x + cx0 * x0 + ceps * eps' + cz * z        # zero terms are skipped
 *
 * Scalars are computed with float32 rounding after each operation, as the official code does on float32
 * tensors, so the replayed golden trajectories match to float32 precision.
 */
import type { NoiseSchedule } from '../schedule';

export interface StepCoefficients {
  /** The time the network sees (as t / T) and the time the step lands on. */
  readonly t: number;
  readonly tNext: number;
  /** sqrt(alphabar_t) and sqrt(1 - alphabar_t) of the schedule the sampler predicts x0 with. */
  readonly sqrtab: number;
  readonly sqrtmab: number;
  readonly cx: number;
  readonly cx0: number;
  readonly ceps: number;
  /** Weight of fresh N(0, I) noise; 0 means the step needs none (eta = 0, or the last step). */
  readonly cz: number;
}

const f = Math.fround;

function checkTimes(schedule: NoiseSchedule, t: number, tNext: number): void {
  if (!(Number.isInteger(t) && Number.isInteger(tNext) && 0 <= tNext && tNext < t && t <= schedule.T)) {
    throw new Error(
      `A step must go from t to t_next with 0 <= t_next < t <= ${schedule.T}; got ${t} -> ${tNext}.`,
    );
  }
}

/** sqrt(alphabar) and sqrt(1 - alphabar) as `pred_eps_` takes them (alpha.sqrt(), (1 - alpha).sqrt()). */
function predictionScales(schedule: NoiseSchedule, t: number): { sqrtab: number; sqrtmab: number } {
  const ab = schedule.alphabar_t[t];
  return { sqrtab: f(Math.sqrt(ab)), sqrtmab: f(Math.sqrt(f(1 - ab))) };
}

/**
 * Official `ddim_sample` step on the 'DDIM' schedule (alphabar at t_next = 0 is 1 - beta1, not 1):
 * c1 = eta * sqrt((1 - ab/ab_next) * (1 - ab_next) / (1 - ab)), c2 = sqrt(1 - ab_next - c1^2),
 * x_next = sqrt(ab_next) * x0 + c2 * eps' + c1 * z, with z = 0 on the last step (t_next = 0).
 */
export function ddimCoefficients(
  schedule: NoiseSchedule,
  t: number,
  tNext: number,
  eta: number,
): StepCoefficients {
  checkTimes(schedule, t, tNext);
  if (!(eta >= 0 && eta <= 1)) throw new Error(`eta must be in [0, 1]; got ${eta}.`);
  const ab = schedule.alphabar_t[t];
  const abNext = schedule.alphabar_t[tNext];
  const ratio = f(f(1 - f(ab / abNext)) * f(1 - abNext));
  const c1 = f(f(eta) * f(Math.sqrt(f(ratio / f(1 - ab)))));
  // Rounding could make the radicand a hair negative at eta = 1; the official code would give NaN there.
  const c2 = f(Math.sqrt(Math.max(0, f(f(1 - abNext) - f(c1 * c1)))));
  return {
    t,
    tNext,
    ...predictionScales(schedule, t),
    cx: 0,
    cx0: f(Math.sqrt(abNext)),
    ceps: c2,
    cz: tNext > 0 ? c1 : 0,
  };
}

/**
 * Official ancestral `sample` step on the 'DDPM' schedule, sigma_t = sqrt(beta_t) ("fixed large"):
 * x_next = oneover_sqrta * (x - ma_over_sqrtmab * eps') + sqrt_beta_t * z, z = 0 on the last step.
 * For a respaced chain (t_next < t - 1) the same step uses the effective beta of the jump,
 * beta' = 1 - alphabar_t / alphabar_t_next (Nichol & Dhariwal 2021, section 4); with t_next = t - 1 it is
 * the official table entry.
 */
export function ddpmCoefficients(schedule: NoiseSchedule, t: number, tNext: number): StepCoefficients {
  checkTimes(schedule, t, tNext);
  let oneOverSqrtA: number;
  let maOverSqrtmab: number;
  let sqrtBeta: number;
  if (tNext === t - 1) {
    oneOverSqrtA = schedule.oneover_sqrta[t];
    maOverSqrtmab = schedule.ma_over_sqrtmab[t];
    sqrtBeta = schedule.sqrt_beta_t[t];
  } else {
    // float64 from the float32 alphabar entries: 1 - ratio would lose digits in float32.
    const alpha = schedule.alphabar_t[t] / schedule.alphabar_t[tNext];
    const beta = 1 - alpha;
    oneOverSqrtA = f(1 / Math.sqrt(alpha));
    maOverSqrtmab = f(beta / Math.sqrt(1 - schedule.alphabar_t[t]));
    sqrtBeta = f(Math.sqrt(beta));
  }
  return {
    t,
    tNext,
    ...predictionScales(schedule, t),
    cx: oneOverSqrtA,
    cx0: 0,
    ceps: f(-oneOverSqrtA * maOverSqrtmab),
    cz: tNext > 0 ? sqrtBeta : 0,
  };
}
