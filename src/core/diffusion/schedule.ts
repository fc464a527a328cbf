/**
 * The official DDAE noise schedules (`model/DDPM.py::schedules`): a linear beta schedule turned into the
 * per-timestep constants the training loss and the samplers index by integer time.
 *
 * Precision: float32, computed the way PyTorch 1.13 computes it on a CPU (see torch-f32.ts). That
 * reproduces the official tables bit for bit (checked against the golden file), which matters because the
 * checkpoints were trained against these exact float32 values: near t = 1, `1 - alphabar` keeps only a few
 * float32 digits, and a float64 recomputation would differ from the official sqrtmab by up to 1e-4.
 * Exactness holds for T + 1 <= 32768 (above that PyTorch splits linspace across threads).
 */
import { torchCumsumF32, torchExpF32, torchLinspaceF32, torchLogF32 } from './torch-f32';

export type ScheduleType = 'DDPM' | 'DDIM';

/** The linear beta range and step count every DDAE checkpoint uses. */
export const DDAE_BETAS: readonly [number, number] = [1e-4, 0.02];
export const DDAE_T = 1000;

/** Named as in the official dict; every array has T + 1 entries indexed by integer time. */
export interface NoiseSchedule {
  readonly type: ScheduleType;
  readonly T: number;
  readonly betas: readonly [number, number];
  readonly beta_t: Float32Array;
  readonly alpha_t: Float32Array;
  readonly alphabar_t: Float32Array;
  readonly sqrtab: Float32Array;
  readonly sqrtmab: Float32Array;
  readonly oneover_sqrta: Float32Array;
  /** (1 - alpha_t) / sqrtmab; NaN at t = 0 of the DDPM schedule (0/0), as in the official table, unused. */
  readonly ma_over_sqrtmab: Float32Array;
  readonly sqrt_beta_t: Float32Array;
}

/** The float32 tables that `schedules` fills, by their official names. */
export const SCHEDULE_TABLES = [
  'alphabar_t',
  'sqrtab',
  'sqrtmab',
  'oneover_sqrta',
  'ma_over_sqrtmab',
  'sqrt_beta_t',
] as const;

const f = Math.fround;

/**
 * `schedules((beta1, beta2), T, type)`. 'DDPM' prepends beta_0 = 0 to `linspace(beta1, beta2, T)`, so
 * index t in [1, T] is the training timestep and alphabar_0 = 1. 'DDIM' is `linspace(beta1, beta2, T + 1)`
 * with no prepend, so its alphabar_t is the DDPM one shifted by about one step and alphabar_0 = 1 - beta1
 * (the official DDIM sampler uses it as is, final step included).
 */
export function schedules(betas: readonly [number, number], T: number, type: ScheduleType): NoiseSchedule {
  const [beta1, beta2] = betas;
  if (!(beta1 > 0 && beta1 < beta2 && beta2 < 1)) {
    throw new Error(`beta1 and beta2 must satisfy 0 < beta1 < beta2 < 1; got (${beta1}, ${beta2}).`);
  }
  if (!Number.isSafeInteger(T) || T < 1) throw new Error(`T must be a positive integer; got ${T}.`);
  const n = T + 1;
  const beta_t = new Float32Array(n);
  if (type === 'DDPM') beta_t.set(torchLinspaceF32(beta1, beta2, T), 1);
  else beta_t.set(torchLinspaceF32(beta1, beta2, n));

  const alpha_t = new Float32Array(n);
  const logAlpha = new Float32Array(n);
  for (let t = 0; t < n; t++) {
    alpha_t[t] = 1 - beta_t[t];
    logAlpha[t] = torchLogF32(alpha_t[t]);
  }
  const alphabar_t = torchCumsumF32(logAlpha).map(torchExpF32);

  const sqrtab = new Float32Array(n);
  const sqrtmab = new Float32Array(n);
  const oneover_sqrta = new Float32Array(n);
  const ma_over_sqrtmab = new Float32Array(n);
  const sqrt_beta_t = new Float32Array(n);
  // Every assignment to a Float32Array rounds once, which is what each float32 PyTorch op does.
  for (let t = 0; t < n; t++) {
    sqrt_beta_t[t] = Math.sqrt(beta_t[t]);
    sqrtab[t] = Math.sqrt(alphabar_t[t]);
    sqrtmab[t] = Math.sqrt(f(1 - alphabar_t[t]));
    oneover_sqrta[t] = 1 / f(Math.sqrt(alpha_t[t]));
    ma_over_sqrtmab[t] = f(1 - alpha_t[t]) / sqrtmab[t];
  }
  return {
    type,
    T,
    betas: [beta1, beta2],
    beta_t,
    alpha_t,
    alphabar_t,
    sqrtab,
    sqrtmab,
    oneover_sqrta,
    ma_over_sqrtmab,
    sqrt_beta_t,
  };
}

const cache = new Map<string, NoiseSchedule>();

/** `schedules` memoised: samplers ask for the same two tables on every run. Treat the result as read-only. */
export function cachedSchedule(
  type: ScheduleType,
  betas: readonly [number, number] = DDAE_BETAS,
  T: number = DDAE_T,
): NoiseSchedule {
  const key = `${type}:${betas[0]}:${betas[1]}:${T}`;
  let s = cache.get(key);
  if (!s) {
    s = schedules(betas, T, type);
    cache.set(key, s);
  }
  return s;
}
