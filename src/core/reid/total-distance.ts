/**
 * The fused distance of the reproductions' test step: total = global + λ·local (λ = 1 in both, huanghoujing's
 * `global_q_g_dist + local_q_g_dist` and michuanhaohao's `distmat + local_distmat`).
 */
import type { DistanceMatrix } from './features';

/** global + lambda·local, element by element; both matrices must have the same shape. */
export function totalDistance(global: DistanceMatrix, local: DistanceMatrix, lambda = 1): DistanceMatrix {
  if (global.rows !== local.rows || global.cols !== local.cols) {
    throw new Error(
      `totalDistance: global ${global.rows}x${global.cols} and local ${local.rows}x${local.cols} differ`,
    );
  }
  if (!Number.isFinite(lambda)) throw new Error(`totalDistance: lambda must be finite, got ${lambda}`);
  const data = new Float32Array(global.data.length);
  for (let k = 0; k < data.length; k++) data[k] = global.data[k] + lambda * local.data[k];
  return { rows: global.rows, cols: global.cols, data };
}
