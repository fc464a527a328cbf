/**
 * The fused SIMD path of the local distance: `fusedLocalDistances` in `wasm/local-distance-gram.wat`
 * computes the stripe dot products itself (4 query images × 2 gallery stripes × 4 gallery images per
 * register block, fused multiply-adds where the engine has relaxed SIMD), so four queries' H × H cells
 * against four gallery images never leave L1 before the transform and shortest path read them. Off WebGPU
 * this replaces the backend's matMul + readback + Gram kernel (see `local-distance-tiled.ts`).
 *
 * Needs an even stripe count, and tiles padded to multiples of 4; other stripe counts take the Gram path.
 */
import { layoutRegions } from '../gpu/wasm-module';
import {
  GALLERY_LANES,
  IdleKernels,
  type KernelBuild,
  type KernelExports,
  type KernelShape,
  kernelInstance,
  simdGramKernelAvailable,
  stripeNormsF32,
} from './local-distance-gram-wasm';

/** Whether the fused kernel takes this stripe count (its blocks pair gallery stripes: H even). */
export const fusedKernelFits = (stripes: number): boolean => simdGramKernelAvailable() && stripes % 2 === 0;

/** Query images per register block: query tiles are padded to a multiple of this (the kernel packs them). */
export const QUERY_ROWS = 4;

/**
 * Gallery [n, h, c] (n a multiple of 4) as groups of four images in blocks of two stripes
 * [n/4, h/2, c, 2, 4]: per channel, one vector of four images for each of the block's two stripes.
 */
export function packGallery(data: Float32Array, count: number, h: number, c: number): Float32Array {
  const out = new Float32Array(count * h * c);
  for (let g = 0; g < count; g++) {
    for (let j = 0; j < h; j++) {
      const from = (g * h + j) * c;
      const to = (g >> 2) * h * c * 4 + (j >> 1) * c * 8 + (j & 1) * 4 + (g & 3);
      for (let k = 0; k < c; k++) out[to + k * 8] = data[from + k];
    }
  }
  return out;
}

/** Squared stripe norms of a gallery tile per group of four: [n/4, h, 4]. */
function groupNorms(data: Float32Array, count: number, h: number, c: number): Float32Array {
  const norms = stripeNormsF32(data, count, h, c, false);
  const out = new Float32Array(count * h);
  for (let g = 0; g < count; g++) {
    for (let j = 0; j < h; j++) out[((g >> 2) * h + j) * GALLERY_LANES + (g & 3)] = norms[g * h + j];
  }
  return out;
}

/** One instance per tile shape: its memory holds a gallery tile (set once) and one query tile at a time. */
export class FusedDistanceKernel implements KernelShape {
  private static idle = new IdleKernels<FusedDistanceKernel>();

  /** An idle instance of this shape or a new one; give it back with `release`. */
  static acquire(
    stripes: number,
    channels: number,
    queryTile: number,
    galleryTile: number,
  ): FusedDistanceKernel {
    return FusedDistanceKernel.idle.take(
      { stripes, channels, queryTile, galleryTile },
      () => new FusedDistanceKernel(stripes, channels, queryTile, galleryTile),
    );
  }

  /** Returns an instance from `acquire` for reuse; its caller must not touch it afterwards. */
  static release(kernel: FusedDistanceKernel): void {
    FusedDistanceKernel.idle.give(kernel);
  }

  private readonly exports: KernelExports;
  private readonly at: Record<'qp' | 'gp' | 'qn' | 'gn' | 'qf' | 'gf' | 'out' | 'cells' | 'row', number>;

  constructor(
    readonly stripes: number,
    readonly channels: number,
    readonly queryTile: number,
    readonly galleryTile: number,
    build: KernelBuild = 'best',
  ) {
    if (galleryTile % GALLERY_LANES !== 0 || queryTile % QUERY_ROWS !== 0 || stripes % 2 !== 0) {
      throw new Error(
        `FusedDistanceKernel: needs a query tile that is a multiple of ${QUERY_ROWS} (got ${queryTile}), a gallery tile that is a multiple of ${GALLERY_LANES} (got ${galleryTile}) and an even stripe count (got ${stripes})`,
      );
    }
    const [h, c, qt, gt] = [stripes, channels, queryTile, galleryTile];
    const { at, bytes } = layoutRegions({
      qp: qt * h * c * 4,
      gp: gt * h * c * 4,
      qn: qt * h * 4,
      gn: gt * h * 4,
      qf: qt * h * c * 4,
      gf: gt * h * c * 4,
      out: 2 * qt * gt * 4,
      cells: QUERY_ROWS * h * h * 16,
      row: h * 16,
    });
    this.exports = kernelInstance(bytes, build);
    this.at = at;
  }

  private view(at: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, length);
  }

  /** The gallery tile, features [gt, h, c]. */
  setGallery(features: Float32Array): void {
    const { stripes: h, channels: c, galleryTile: gt, at } = this;
    this.view(at.gf, features.length).set(features);
    this.view(at.gp, features.length).set(packGallery(features, gt, h, c));
    this.view(at.gn, gt * h).set(groupNorms(features, gt, h, c));
  }

  /**
   * Aligned then unaligned distances [2, qt, gt] of the query tile (features [qt, h, c]) against the
   * gallery tile (a view into the kernel's memory, valid until the next call), and how many cells were
   * recomputed from the features.
   */
  run(queryFeatures: Float32Array) {
    const { stripes: h, channels: c, queryTile: qt, galleryTile: gt, at, exports } = this;
    this.view(at.qf, queryFeatures.length).set(queryFeatures);
    // Packing and norms in wasm: in JS they took ~6% of a worker thread's time (profiled).
    exports.packQueries(at.qf, at.qp, qt, h, c);
    exports.squaredNorms(at.qf, at.qn, qt * h, c);
    const recomputed = exports.fusedLocalDistances(
      at.qp,
      at.gp,
      at.qn,
      at.gn,
      at.qf,
      at.gf,
      qt,
      gt,
      h,
      c,
      at.out,
      at.cells,
      at.row,
    );
    return { distances: this.view(at.out, 2 * qt * gt), recomputed };
  }
}
