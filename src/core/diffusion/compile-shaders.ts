/**
 * Compiles every WebGPU pipeline a network needs for one batch shape before the first real step, in
 * parallel (tfjs' WEBGPU_ENGINE_COMPILE_ONLY mode records no GPU work, it only creates the pipelines with
 * createComputePipelineAsync). Without it the first sampling or training step stalls on compilation.
 */
import * as tf from '@tensorflow/tfjs';
import type { Denoiser } from './denoiser';

interface CompilingBackend {
  checkCompileCompletionAsync(): Promise<void>;
  pipelineCache: Record<string, unknown>;
}

/** The number of pipelines the WebGPU backend holds, or null on other backends. */
export function pipelineCount(): number | null {
  if (tf.getBackend() !== 'webgpu') return null;
  return Object.keys((tf.backend() as unknown as CompilingBackend).pipelineCache).length;
}

/**
 * Compiles the pipelines of `model.forward` at this batch size; a no-op off WebGPU. Returns the number of
 * pipelines it added (0 when they were all compiled already), or null off WebGPU.
 */
export async function compileShaders(model: Denoiser, batch: number): Promise<number | null> {
  const before = pipelineCount();
  if (before === null) return null;
  const [c, h, w] = model.imageShape;
  tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', true);
  let outputs: tf.Tensor[] = [];
  try {
    outputs = tf.tidy(() => {
      const out = model.forward(tf.zeros([batch, h, w, c]), tf.fill([batch], 0.5), { taps: false });
      return [out.eps];
    });
  } finally {
    tf.env().set('WEBGPU_ENGINE_COMPILE_ONLY', false);
  }
  // The outputs of a compile-only pass hold no data; wait for the pipelines, then drop them.
  await (tf.backend() as unknown as CompilingBackend).checkCompileCompletionAsync();
  tf.dispose(outputs);
  return (pipelineCount() ?? 0) - before;
}
