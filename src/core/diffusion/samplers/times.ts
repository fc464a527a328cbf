/**
 * The timesteps a sampler visits, as the official `ddim_sample` builds them:
 * `times = arange(0, T, T // steps) + 1`, reversed, then 0 appended; the sampler walks the consecutive
 * pairs (t, t_next). 10 steps of T = 1000 give [901, 801, ..., 101, 1, 0]; 100 steps give
 * [991, 981, ..., 11, 1, 0]; T steps give [T, ..., 1, 0], the full ancestral chain.
 *
 * With the official integer division, a step count that does not divide T yields more pairs than asked
 * (30 of 1000: stride 33, 31 pairs). That is kept so results match the official code; callers should show
 * `times.length - 1` as the real number of network evaluations.
 */
export function samplingTimes(steps: number, T: number): number[] {
  if (!Number.isSafeInteger(T) || T < 1) throw new Error(`T must be a positive integer; got ${T}.`);
  if (!Number.isInteger(steps) || steps < 1 || steps > T) {
    throw new Error(`steps must be an integer from 1 to ${T}; got ${steps}.`);
  }
  const stride = Math.floor(T / steps);
  const times: number[] = [];
  for (let t = 0; t < T; t += stride) times.push(t + 1);
  times.reverse();
  times.push(0);
  return times;
}
