/** Colour maps for the probing charts: viridis for accuracy, a categorical palette for classes and taps. */
import { interpolateViridis, schemeTableau10 } from 'd3-scale-chromatic';

/** Viridis colour of v in [lo, hi] (clamped). */
export function viridis(v: number, lo: number, hi: number): string {
  const f = hi > lo ? (v - lo) / (hi - lo) : 1;
  return interpolateViridis(Math.max(0, Math.min(1, f)));
}

/** Dark text on the light end of viridis, light text on the dark end. */
export function textOn(v: number, lo: number, hi: number): string {
  const f = hi > lo ? (v - lo) / (hi - lo) : 1;
  return f > 0.6 ? '#111' : '#fff';
}

/** Ten distinct colours, then the same hues darker (for up to twenty classes or lines). */
export function categorical(k: number): string {
  const base = schemeTableau10[k % 10];
  return k < 10 ? base : `color-mix(in srgb, ${base} 65%, black)`;
}

/** The colour domain of a grid: from the lowest to the highest accuracy shown (baseline included). */
export function accuracyDomain(values: (number | null)[]): [number, number] {
  const finite = values.filter((v): v is number => v !== null && Number.isFinite(v));
  if (finite.length === 0) return [0, 1];
  const lo = Math.min(...finite);
  const hi = Math.max(...finite);
  return hi - lo < 0.01 ? [Math.max(0, hi - 0.05), hi] : [lo, hi];
}
