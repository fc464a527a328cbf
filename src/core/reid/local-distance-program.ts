/**
 * The WGSL program of the AlignedReID local distance for all query × gallery pairs; the semantics are those
 * of `localDistanceValues` (output [2, Q, G]: plane 0 the shortest-path distance, plane 1 the diagonal sum).
 *
 * The stripe distances of a block of pairs form one tile of a matrix product: query stripes [Q·H, c] against
 * gallery stripes [G·H, c]. So a workgroup takes T = ⌊64/H⌋ queries × T gallery images (a 64 × 64 tile at
 * most), and does what a tiled matmul does: 256 threads each accumulate a 4 × 4 block of the tile over c,
 * 16 channels at a time through workgroup memory, reading every feature value once per workgroup instead of
 * H times per pair. It sums (f − g)² directly rather than ‖f‖² + ‖g‖² − 2f·g: twice the arithmetic, but
 * identical stripes give exactly 0, nothing cancels, and overflow can only reach +Infinity (d = 1), never NaN.
 * The tile of d = tanh(‖f − g‖/2) then overwrites the same workgroup memory (16 KiB, the WebGPU default), and
 * one thread per pair runs the H × H shortest path from it in registers.
 *
 * Q, G and c are uniforms (the tensors' shapes); H is baked in (fixed loop bounds, a private array of H) and
 * therefore part of the shaderKey: one pipeline per stripe count.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';

/** The tile edge: 64 stripe rows of queries × 64 of gallery images. */
const TILE = 64;
/** Channels staged in workgroup memory per step. */
const CHUNK = 16;
const THREADS = 256;

/** The most stripes per image the program takes: one query and one gallery image per 64-row tile. */
export const MAX_WGSL_STRIPES = TILE;

/** Images per tile side for H stripes: ⌊64/H⌋. */
export const imagesPerTile = (stripes: number): number => Math.floor(TILE / stripes);

export class LocalDistanceProgram implements WebGPUProgram {
  // Fields are mutable because runWebGPUProgram rewrites shaderKey, dispatch and pipeline.
  variableNames = ['query', 'gallery'];
  outputShape: number[];
  shaderKey: string;
  // y present: tfjs calls main() without a flat index; the program reads workgroupId itself.
  dispatchLayout: { x: number[]; y: number[]; z: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number] = [THREADS, 1, 1];
  private readonly stripes: number;

  /**
   * `numQuery` × `numGallery` images of `stripes` stripes. Throws if the tiles would exceed
   * `maxWorkgroupsPerDimension` (the device's maxComputeWorkgroupsPerDimension): split the problem first.
   */
  constructor(numQuery: number, numGallery: number, stripes: number, maxWorkgroupsPerDimension: number) {
    if (!Number.isSafeInteger(stripes) || stripes < 1 || stripes > MAX_WGSL_STRIPES) {
      throw new Error(`localDistance (WGSL): ${stripes} stripes; 1 to ${MAX_WGSL_STRIPES} are supported`);
    }
    const perTile = imagesPerTile(stripes);
    const columns = Math.ceil(numGallery / perTile);
    const rows = Math.ceil(numQuery / perTile);
    if (columns > maxWorkgroupsPerDimension || rows > maxWorkgroupsPerDimension) {
      throw new Error(
        `localDistance (WGSL): ${numQuery} x ${numGallery} images need ${rows} x ${columns} workgroups, more than the device's ${maxWorkgroupsPerDimension} per dimension; tile the problem`,
      );
    }
    this.stripes = stripes;
    this.outputShape = [2, numQuery, numGallery];
    this.dispatchLayout = { x: [2], y: [1], z: [0] };
    this.dispatch = [Math.max(columns, 1), Math.max(rows, 1), 1];
    this.shaderKey = `reidLocalDistance_h${stripes}`;
  }

  getUserCode(): string {
    const h = this.stripes;
    const perTile = imagesPerTile(h);
    const rowsUsed = perTile * h;
    return `
      // During the channel loop: query chunk at [0, ${CHUNK * TILE}), gallery chunk after it, both
      // [channel][row]. Afterwards: the ${rowsUsed} x ${rowsUsed} stripe distances, row stride ${TILE}.
      var<workgroup> tile : array<f32, ${TILE * TILE}>;

      // tanh(x/2) for x >= 0, finite for every x (Infinity gives 1). Near 0 the series, since 1 - e^-x
      // would cancel; elsewhere (1 - e^-x) / (1 + e^-x).
      fn tanhHalf(x : f32) -> f32 {
        if (x < 0.5) {
          let y = 0.5 * x;
          let y2 = y * y;
          return y * (1.0 + y2 * (-1.0 / 3.0 + y2 * (2.0 / 15.0 + y2 * (-17.0 / 315.0 + y2 * (62.0 / 2835.0)))));
        }
        let t = exp(-x);
        return (1.0 - t) / (1.0 + t);
      }

      fn main() {
        let numQuery = uniforms.queryShape.x;
        let numGallery = uniforms.galleryShape.x;
        let channels = uniforms.queryShape.z;
        let firstQuery = i32(workgroupId.y) * ${perTile};
        let firstGallery = i32(workgroupId.x) * ${perTile};
        // Rows of the stripe matrices [Q*H, c] and [G*H, c] that this tile covers.
        let queryRow0 = firstQuery * ${h};
        let galleryRow0 = firstGallery * ${h};
        let queryRows = min(${rowsUsed}, numQuery * ${h} - queryRow0);
        let galleryRows = min(${rowsUsed}, numGallery * ${h} - galleryRow0);

        let thread = i32(localIndex);
        let tx = thread % 16;
        let ty = thread / 16;
        var sums : array<vec4<f32>, 4>;

        for (var k0 = 0; k0 < channels; k0 = k0 + ${CHUNK}) {
          // Each thread stages 4 of the 64 x ${CHUNK} values of each side; consecutive threads read
          // consecutive channels of one row. Rows and channels past the end read as 0 on both sides.
          for (var m = 0; m < 4; m = m + 1) {
            let e = thread + m * ${THREADS};
            let row = e / ${CHUNK};
            let k = e % ${CHUNK};
            let channel = k0 + k;
            var q = 0.0;
            if (row < queryRows && channel < channels) {
              q = query[(queryRow0 + row) * channels + channel];
            }
            var g = 0.0;
            if (row < galleryRows && channel < channels) {
              g = gallery[(galleryRow0 + row) * channels + channel];
            }
            tile[k * ${TILE} + row] = q;
            tile[${CHUNK * TILE} + k * ${TILE} + row] = g;
          }
          workgroupBarrier();
          // Partial sums per chunk, added to the totals after it: shorter float32 sums for c up to 2048.
          // Explicitly zeroed: SwiftShader kept the previous chunk's values in a bare declaration.
          var part = array<vec4<f32>, 4>();
          for (var k = 0; k < ${CHUNK}; k = k + 1) {
            let a = k * ${TILE} + ty * 4;
            let b = ${CHUNK * TILE} + k * ${TILE} + tx * 4;
            let g = vec4<f32>(tile[b], tile[b + 1], tile[b + 2], tile[b + 3]);
            for (var r = 0; r < 4; r = r + 1) {
              let diff = vec4<f32>(tile[a + r]) - g;
              part[r] = fma(diff, diff, part[r]);
            }
          }
          for (var r = 0; r < 4; r = r + 1) {
            sums[r] = sums[r] + part[r];
          }
          workgroupBarrier();
        }

        // The staged chunks are dead (the barrier above): the tile becomes the stripe-distance matrix.
        for (var r = 0; r < 4; r = r + 1) {
          let row = ty * 4 + r;
          for (var col = 0; col < 4; col = col + 1) {
            tile[row * ${TILE} + tx * 4 + col] = tanhHalf(sqrt(max(sums[r][col], 0.0)));
          }
        }
        workgroupBarrier();

        // One thread per pair: the shortest path row by row, and the diagonal.
        for (var pair = thread; pair < ${perTile * perTile}; pair = pair + ${THREADS}) {
          let qi = pair / ${perTile};
          let gj = pair % ${perTile};
          let q = firstQuery + qi;
          let g = firstGallery + gj;
          if (q < numQuery && g < numGallery) {
            let base = qi * ${h} * ${TILE} + gj * ${h};
            var path : array<f32, ${h}>;
            var acc = 0.0;
            for (var j = 0; j < ${h}; j = j + 1) {
              acc = acc + tile[base + j];
              path[j] = acc;
            }
            var diagonal = tile[base];
            for (var i = 1; i < ${h}; i = i + 1) {
              let rowBase = base + i * ${TILE};
              var left = path[0] + tile[rowBase];
              path[0] = left;
              for (var j = 1; j < ${h}; j = j + 1) {
                left = min(path[j], left) + tile[rowBase + j];
                path[j] = left;
              }
              diagonal = diagonal + tile[rowBase + i];
            }
            let index = q * numGallery + g;
            result[index] = path[${h - 1}];
            result[numQuery * numGallery + index] = diagonal;
          }
        }
      }
    `;
  }
}
