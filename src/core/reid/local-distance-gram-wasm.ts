/**
 * The SIMD path of the local distance from a Gram tile: `wasm/local-distance-gram.wat`, four gallery images
 * per vector (sqrt, the rational tanh and the shortest path all in f32x4), ~30× the plain-JS transform in
 * `local-distance-gram.ts`, which stays as the fallback where WebAssembly SIMD is missing.
 *
 * The Gram tile must be laid out with gallery columns in (stripe, image) order, [qt·h, h·gt]: multiply the
 * query stripes by `stripeMajorColumns(gallery)`; the gallery tile size must be a multiple of 4.
 */
import { compileWasm, ensureMemory, layoutRegions } from '../gpu/wasm-module';
import { squaredNorms } from './gram';
import { WASM_BASE64, WASM_RELAXED_BASE64 } from './wasm/local-distance-gram.wasm';

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  localDistancesFromGram(
    gram: number,
    queryNorms: number,
    galleryNorms: number,
    queryFeatures: number,
    galleryFeatures: number,
    queryTile: number,
    galleryTile: number,
    stripes: number,
    channels: number,
    out: number,
    row: number,
  ): number;
  fusedLocalDistances(
    packedQueries: number,
    packedGallery: number,
    queryNorms: number,
    galleryNorms: number,
    queryFeatures: number,
    galleryFeatures: number,
    queryTile: number,
    galleryTile: number,
    stripes: number,
    channels: number,
    out: number,
    cells: number,
    row: number,
  ): number;
  packQueries(src: number, dst: number, queryTile: number, stripes: number, channels: number): void;
  squaredNorms(src: number, dst: number, rows: number, channels: number): void;
}

/** Gallery images per SIMD vector: gallery tiles are padded to a multiple of this. */
export const GALLERY_LANES = 4;

/** A new instance of the kernels with at least `bytes` of memory. */
export function kernelInstance(bytes: number, build: KernelBuild = 'best'): KernelExports {
  const module = kernelModule(build);
  if (!module)
    throw new Error(
      `local-distance kernel: this engine cannot compile the '${build}' build (WebAssembly SIMD)`,
    );
  const exports = new WebAssembly.Instance(module).exports as unknown as KernelExports;
  ensureMemory(exports.memory, bytes, 'local-distance kernel');
  return exports;
}

/**
 * 'relaxed': fused multiply-add (relaxed SIMD; ~1.3× on the dot products), in Chrome 114+ and in Node with
 * `--experimental-wasm-relaxed-simd` (`scripts/lib/relaxed-simd.ts`); 'plain': SIMD only; 'best': the
 * first of these the engine compiles.
 */
export type KernelBuild = 'best' | 'relaxed' | 'plain';

const compiled = new Map<'relaxed' | 'plain', WebAssembly.Module | null>();

function kernelModule(build: KernelBuild = 'best'): WebAssembly.Module | null {
  if (build === 'best') return kernelModule('relaxed') ?? kernelModule('plain');
  if (!compiled.has(build))
    compiled.set(build, compileWasm(build === 'relaxed' ? WASM_RELAXED_BASE64 : WASM_BASE64));
  return compiled.get(build) ?? null;
}

/** Which build 'best' is here, or null without WebAssembly SIMD. */
export const bestKernelBuild = (): 'relaxed' | 'plain' | null =>
  kernelModule('relaxed') ? 'relaxed' : kernelModule('plain') ? 'plain' : null;

export const simdGramKernelAvailable = (): boolean => kernelModule() !== null;

/** [n·h, c] stripes of n images as [c, h·n] with column j·n + g: the Gram's stripe-major column order. */
export function stripeMajorColumns(data: Float32Array, count: number, h: number, c: number): Float32Array {
  const cols = h * count;
  const out = new Float32Array(c * cols);
  for (let g = 0; g < count; g++) {
    for (let j = 0; j < h; j++) {
      const from = (g * h + j) * c;
      const col = j * count + g;
      for (let k = 0; k < c; k++) out[k * cols + col] = data[from + k];
    }
  }
  return out;
}

/** Squared norms of every stripe in f32, in image-major ([n, h]) or stripe-major ([h, n]) order. */
export function stripeNormsF32(
  data: Float32Array,
  count: number,
  h: number,
  c: number,
  stripeMajor: boolean,
): Float32Array {
  const norms = squaredNorms(data.subarray(0, count * h * c), c); // image-major, summed in f64
  if (!stripeMajor) return Float32Array.from(norms);
  const out = new Float32Array(count * h);
  for (let g = 0; g < count; g++) {
    for (let j = 0; j < h; j++) out[j * count + g] = norms[g * h + j];
  }
  return out;
}

/** The tile shape a kernel instance's memory is laid out for. */
export interface KernelShape {
  readonly stripes: number;
  readonly channels: number;
  readonly queryTile: number;
  readonly galleryTile: number;
}

/**
 * Idle kernel instances kept for reuse, by tile shape: a long run makes one per gallery tile, all of one
 * shape, and instantiating the module and growing its memory (tens of MiB) for every gallery tile would
 * cost more than some tiles' work. Not shared between threads.
 */
export class IdleKernels<K extends KernelShape> {
  private readonly idle: K[] = [];

  constructor(private readonly kept = 2) {}

  /** An idle instance of this shape, or `create()`. */
  take(shape: KernelShape, create: () => K): K {
    const i = this.idle.findIndex(
      (k) =>
        k.stripes === shape.stripes &&
        k.channels === shape.channels &&
        k.queryTile === shape.queryTile &&
        k.galleryTile === shape.galleryTile,
    );
    return i >= 0 ? this.idle.splice(i, 1)[0] : create();
  }

  /** Keeps an instance from `take` for reuse; its caller must not touch it afterwards. */
  give(kernel: K): void {
    this.idle.push(kernel);
    if (this.idle.length > this.kept) this.idle.shift();
  }
}

/**
 * One instance per tile shape: its memory holds a gallery tile (set once) and one query tile's Gram at a
 * time. Not shared between threads.
 */
export class GramDistanceKernel implements KernelShape {
  private static idle = new IdleKernels<GramDistanceKernel>();

  /** An idle instance of this shape or a new one; give it back with `release`. */
  static acquire(
    stripes: number,
    channels: number,
    queryTile: number,
    galleryTile: number,
  ): GramDistanceKernel {
    return GramDistanceKernel.idle.take(
      { stripes, channels, queryTile, galleryTile },
      () => new GramDistanceKernel(stripes, channels, queryTile, galleryTile),
    );
  }

  /** Returns an instance from `acquire` for reuse; its caller must not touch it afterwards. */
  static release(kernel: GramDistanceKernel): void {
    GramDistanceKernel.idle.give(kernel);
  }

  private readonly exports: KernelExports;
  private readonly at: Record<'gram' | 'qn' | 'gn' | 'qf' | 'gf' | 'out' | 'row', number>;

  constructor(
    readonly stripes: number,
    readonly channels: number,
    readonly queryTile: number,
    readonly galleryTile: number,
    build: KernelBuild = 'best',
  ) {
    if (galleryTile % GALLERY_LANES !== 0) {
      throw new Error(
        `GramDistanceKernel: the gallery tile (${galleryTile}) must be a multiple of ${GALLERY_LANES}`,
      );
    }
    const h = stripes;
    const sizes = {
      gram: queryTile * h * h * galleryTile * 4,
      qn: queryTile * h * 4,
      gn: galleryTile * h * 4,
      qf: queryTile * h * channels * 4,
      gf: galleryTile * h * channels * 4,
      out: 2 * queryTile * galleryTile * 4,
      row: h * (h + 1) * 16,
    };
    const { at, bytes } = layoutRegions(sizes);
    this.exports = kernelInstance(bytes, build);
    this.at = at;
  }

  private view(at: number, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, at, length);
  }

  /** The gallery tile: features [gt, h, c] and squared stripe norms in stripe-major order [h, gt]. */
  setGallery(features: Float32Array, stripeMajorNorms: Float32Array): void {
    this.view(this.at.gf, features.length).set(features);
    this.view(this.at.gn, stripeMajorNorms.length).set(stripeMajorNorms);
  }

  /**
   * Aligned then unaligned distances [2, qt, gt] (a view into the kernel's memory, valid until the next
   * call) from the Gram [qt·h, h·gt] of the query tile (features [qt, h, c], norms [qt, h]) against the
   * gallery tile, and how many cells were recomputed from the features.
   */
  run(gram: Float32Array, queryFeatures: Float32Array, queryNorms: Float32Array) {
    const { stripes: h, channels: c, queryTile: qt, galleryTile: gt, at } = this;
    this.view(at.gram, gram.length).set(gram);
    this.view(at.qf, queryFeatures.length).set(queryFeatures);
    this.view(at.qn, queryNorms.length).set(queryNorms);
    const recomputed = this.exports.localDistancesFromGram(
      at.gram,
      at.qn,
      at.gn,
      at.qf,
      at.gf,
      qt,
      gt,
      h,
      c,
      at.out,
      at.row,
    );
    return { distances: this.view(at.out, 2 * qt * gt), recomputed };
  }
}
