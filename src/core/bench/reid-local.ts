/**
 * The ReID local-distance benchmark shared by the Node suite's browser run: pairs per second of the aligned
 * and unaligned local distances (1,000 × 5,000 pairs, H = 8, c = 128, unit-norm stripes) through
 * `computeLocalDistances` on the active backend (WGSL on webgpu, the fused SIMD kernel elsewhere).
 */
import { normalizeStripes, type StripeFeatures, stripeFeatures } from '../reid/features';
import { localDistancePathName } from '../reid/local-distance-path';
import { computeLocalDistances } from '../reid/local-distance-tiled';

export const REID_BENCH_CASE = 'reid-local 1000x5000 H8 c128';

/** Gaussian-ish stripes from a seeded generator (sum of uniforms), normalised per stripe. */
function seededStripes(count: number, h: number, c: number, seed: number): StripeFeatures {
  let a = seed >>> 0;
  const uniform = () => {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    return a / 4294967296;
  };
  const data = new Float32Array(count * h * c);
  for (let i = 0; i < data.length; i++) data[i] = uniform() + uniform() + uniform() - 1.5;
  return normalizeStripes(stripeFeatures(data, count, h, c));
}

export interface ReidBenchFigures {
  readonly queries: number;
  readonly gallery: number;
  readonly seconds: number;
  readonly pairsPerSecond: number;
  /** The Gram's FLOP (2·Q·G·H²·c) per second: the part no formulation avoids. */
  readonly gflopsPerSecond: number;
  /** What computed it, e.g. 'WGSL kernel' or 'fused SIMD kernel, relaxed SIMD'. */
  readonly method: string;
}

/** Times as many of the 1,000 queries as fit ~`seconds` against the 5,000 gallery images. */
export async function benchReidLocal(seconds = 10): Promise<ReidBenchFigures> {
  const [nq, ng, h, c] = [1000, 5000, 8, 128];
  const query = seededStripes(nq, h, c, 1);
  const gallery = seededStripes(ng, h, c, 2);
  const head = (rows: number) => stripeFeatures(query.data.subarray(0, rows * h * c), rows, h, c);
  await computeLocalDistances(head(2), gallery); // warm-up: kernels, pipelines
  let t0 = performance.now();
  await computeLocalDistances(head(20), gallery);
  const probeRate = (20 * ng) / ((performance.now() - t0) / 1000);
  const rows = Math.max(20, Math.min(nq, Math.floor((probeRate * seconds) / ng)));
  t0 = performance.now();
  await computeLocalDistances(head(rows), gallery);
  const elapsed = (performance.now() - t0) / 1000;
  const pairs = rows * ng;
  return {
    queries: rows,
    gallery: ng,
    seconds: Number(elapsed.toFixed(3)),
    pairsPerSecond: Math.round(pairs / elapsed),
    gflopsPerSecond: Number(((2 * pairs * h * h * c) / elapsed / 1e9).toFixed(2)),
    method: localDistancePathName(h),
  };
}
