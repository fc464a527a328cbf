/**
 * Test fixtures for the ReID distances: the shared golden file made by huanghoujing's numpy distance code,
 * seeded random features, and the straightforward per-pair composition the fast paths are checked against.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { seededNormal } from '../gpu/kernels/group-norm.fixtures';
import { parseSafetensors } from '../io/safetensors';
import { unwrap } from '../result';
import { type GlobalFeatures, globalFeatures, type StripeFeatures, stripeFeatures } from './features';
import { diagonalSum, shortestPathDistance } from './shortest-path';
import { stripeDistanceMatrix } from './stripe-distance';

export { type ErrorStats, errorStats } from '../gpu/kernels/group-norm.fixtures';

/** The golden lives beside the repository (../shared/golden), as the UNet goldens do. */
export const ALIGNEDREID_GOLDEN_PATH = resolve(
  process.cwd(),
  '../shared/golden/alignedreid_small.safetensors',
);

export interface AlignedReidGolden {
  readonly queryGlobal: GlobalFeatures;
  readonly galleryGlobal: GlobalFeatures;
  readonly queryLocal: StripeFeatures;
  readonly galleryLocal: StripeFeatures;
  /** [M, N] each; `stripeDistTanh` is [M, N, H, H]. */
  readonly globalDist: Float32Array;
  readonly localDist: Float32Array;
  readonly localDistStable: Float32Array;
  readonly unalignedDist: Float32Array;
  readonly stripeDistTanh: Float32Array;
}

export function loadAlignedReidGolden(path = ALIGNEDREID_GOLDEN_PATH): AlignedReidGolden {
  const file = unwrap(parseSafetensors(new Uint8Array(readFileSync(path))), path);
  const get = (name: string) => {
    const t = file.tensors.get(name);
    if (!t) throw new Error(`${path}: no tensor '${name}'`);
    return t;
  };
  const local = (name: string) => {
    const t = get(name);
    const [count, stripes, channels] = t.shape;
    return stripeFeatures(t.data, count, stripes, channels);
  };
  const global = (name: string) => {
    const t = get(name);
    return globalFeatures(t.data, t.shape[0], t.shape[1]);
  };
  return {
    queryGlobal: global('query.global'),
    galleryGlobal: global('gallery.global'),
    queryLocal: local('query.local'),
    galleryLocal: local('gallery.local'),
    globalDist: get('global_dist').data,
    localDist: get('local_dist').data,
    localDistStable: get('local_dist_stable').data,
    unalignedDist: get('unaligned_dist').data,
    stripeDistTanh: get('stripe_dist_tanh').data,
  };
}

/** Seeded N(0, scale²) stripe features. */
export function randomStripes(
  count: number,
  stripes: number,
  channels: number,
  seed: number,
  scale = 1,
): StripeFeatures {
  const normal = seededNormal(seed);
  const data = new Float32Array(count * stripes * channels);
  for (let k = 0; k < data.length; k++) data[k] = scale * normal();
  return stripeFeatures(data, count, stripes, channels);
}

/** Seeded N(0, scale²) global features. */
export function randomGlobal(count: number, dims: number, seed: number, scale = 1): GlobalFeatures {
  const normal = seededNormal(seed);
  return globalFeatures(
    Float32Array.from({ length: count * dims }, () => scale * normal()),
    count,
    dims,
  );
}

/**
 * Local distances pair by pair from the definitions (direct differences, the row-scan path, the diagonal):
 * slow and obviously right, as [2, Q, G] like the kernels.
 */
export function localDistancesByDefinition(query: StripeFeatures, gallery: StripeFeatures): Float32Array {
  const pairs = query.count * gallery.count;
  const out = new Float32Array(2 * pairs);
  for (let q = 0; q < query.count; q++) {
    for (let g = 0; g < gallery.count; g++) {
      const d = stripeDistanceMatrix(query, q, gallery, g);
      out[q * gallery.count + g] = shortestPathDistance(d, query.stripes);
      out[pairs + q * gallery.count + g] = diagonalSum(d, query.stripes);
    }
  }
  return out;
}
