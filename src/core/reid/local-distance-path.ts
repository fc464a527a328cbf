/**
 * Which computation `computeLocalDistances` takes on the active backend, in words, for a status line or a
 * benchmark row: what a researcher needs to read a timing.
 */
import { bestKernelBuild } from './local-distance-gram-wasm';
import { resolveLocalDistanceMethod } from './local-distance-tiled';

/** The name of what `computeLocalDistances` with the default 'auto' method runs here for H = `stripes`. */
export function localDistancePathName(stripes: number): string {
  const method = resolveLocalDistanceMethod('auto', stripes);
  if (method === 'kernel') return 'WGSL kernel';
  const build = bestKernelBuild();
  if (build === null) return 'matmul + plain-JS transform';
  const kernel = method === 'fused' ? 'fused SIMD kernel' : 'matmul + SIMD kernel';
  return `${kernel}, ${build === 'relaxed' ? 'relaxed SIMD' : 'plain SIMD'}`;
}
