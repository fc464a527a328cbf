/**
 * The WGSL program of the fused GroupNorm (+ optional SiLU) on NHWC data; the semantics are those of
 * `groupNormReference`.
 *
 * One workgroup normalises one (sample, group) slice: its threads stride over the slice's elements, reduce
 * the sum in workgroup memory to get the mean, then the squared deviations to get the variance (two passes,
 * as accurate as the reference's, unlike E[x²] - E[x]²), then each thread writes its own elements.
 *
 * Shapes, the group count and eps are uniforms (one pipeline serves every shape); the SiLU switch and the
 * workgroup size are baked into the code and therefore into the shaderKey.
 */
import type { WebGPUProgram } from '@tensorflow/tfjs-backend-webgpu';
import type { ProgramUniforms } from './custom-kernel';

/** Slices with at least this many elements get 256 threads; smaller ones 64, so fewer threads idle. */
const LARGE_SLICE = 2048;

export class GroupNormProgram implements WebGPUProgram {
  // Fields are mutable because runWebGPUProgram rewrites shaderKey, dispatch and pipeline.
  variableNames = ['x', 'gamma', 'beta'];
  uniforms = 'groups : i32, eps : f32,';
  outputShape: number[];
  shaderKey: string;
  // Flat, so tfjs calls main(index) with index = slice * workgroupSize + localIndex, also when the
  // dispatch is spread over y.
  dispatchLayout: { x: number[] };
  dispatch: [number, number, number];
  workgroupSize: [number, number, number];
  private readonly silu: boolean;

  /**
   * `xShape` is NHWC. `maxWorkgroupsPerDimension` is the device's maxComputeWorkgroupsPerDimension: with more
   * (sample, group) slices than that, the workgroups are spread over y.
   */
  constructor(xShape: readonly number[], groups: number, silu: boolean, maxWorkgroupsPerDimension: number) {
    const [batch, height, width, channels] = xShape;
    const slices = batch * groups;
    const sliceSize = height * width * (channels / groups);
    const threads = sliceSize >= LARGE_SLICE ? 256 : 64;
    const columns = Math.min(slices, maxWorkgroupsPerDimension);
    const rows = Math.ceil(slices / columns);
    if (rows > maxWorkgroupsPerDimension) {
      throw new Error(`groupNorm: ${slices} (sample, group) slices exceed the device's dispatch limit`);
    }
    this.outputShape = [...xShape];
    this.dispatchLayout = { x: [0, 1, 2, 3] };
    this.dispatch = [columns, rows, 1];
    this.workgroupSize = [threads, 1, 1];
    this.silu = silu;
    this.shaderKey = `groupNorm_silu${silu}_wg${threads}`;
  }

  /** The values for `uniforms`, in its order. */
  static uniformValues(groups: number, eps: number): ProgramUniforms {
    return [
      { type: 'int32', data: [groups] },
      { type: 'float32', data: [eps] },
    ];
  }

  getUserCode(): string {
    const threads = this.workgroupSize[0];
    const activation = this.silu ? 'y = y / (1.0 + exp(-y));' : '';
    return `
      var<workgroup> partialSums : array<f32, ${threads}>;

      // Sum of one value per thread over the workgroup; every thread gets the total. Call from uniform
      // control flow only (it has barriers).
      fn workgroupSum(value : f32) -> f32 {
        partialSums[localIndex] = value;
        workgroupBarrier();
        for (var stride = ${threads / 2}u; stride > 0u; stride = stride / 2u) {
          if (localIndex < stride) {
            partialSums[localIndex] = partialSums[localIndex] + partialSums[localIndex + stride];
          }
          workgroupBarrier();
        }
        let total = partialSums[0];
        // Everyone has read the total before a next call overwrites partialSums.
        workgroupBarrier();
        return total;
      }

      fn main(index : i32) {
        let slice = index / ${threads};
        let thread = i32(localIndex);
        let groups = uniforms.groups;
        let channels = uniforms.xShape.w;
        let channelsPerGroup = channels / groups;
        let pixels = uniforms.xShape.y * uniforms.xShape.z;
        let n = slice / groups;
        let firstChannel = (slice % groups) * channelsPerGroup;
        let sliceStart = n * pixels * channels + firstChannel;
        // Spare workgroups of a dispatch spread over y get no elements but still reach every barrier.
        let count = select(0, pixels * channelsPerGroup, n < uniforms.xShape.x);

        var sum = 0.0;
        for (var k = thread; k < count; k = k + ${threads}) {
          sum = sum + x[sliceStart + (k / channelsPerGroup) * channels + k % channelsPerGroup];
        }
        let mean = workgroupSum(sum) / f32(count);

        var squares = 0.0;
        for (var k = thread; k < count; k = k + ${threads}) {
          let d = x[sliceStart + (k / channelsPerGroup) * channels + k % channelsPerGroup] - mean;
          squares = squares + d * d;
        }
        let invStd = inverseSqrt(workgroupSum(squares) / f32(count) + uniforms.eps);

        for (var k = thread; k < count; k = k + ${threads}) {
          let channelInGroup = k % channelsPerGroup;
          let i = sliceStart + (k / channelsPerGroup) * channels + channelInGroup;
          let c = firstChannel + channelInGroup;
          var y = (x[i] - mean) * invStd * gamma[c] + beta[c];
          ${activation}
          result[i] = y;
        }
      }
    `;
  }
}
