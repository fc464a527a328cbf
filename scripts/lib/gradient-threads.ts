/**
 * Data-parallel training for the Node CLIs: tfjs runs wasm on one thread in Node, so `threads - 1` helper
 * threads, each with its own tfjs-wasm, take slices of every batch (see
 * `src/core/diffusion/train/gradient-helper.ts`); the main thread keeps one slice and applies the update.
 */
import {
  ChannelGradientHelper,
  type GradientHelper,
  type GradientReply,
} from '../../src/core/diffusion/train/gradient-helper';
import { startTsxWorker } from './tsx-worker';

function startThread() {
  const worker = startTsxWorker(new URL('./gradient-thread.ts', import.meta.url));
  return {
    post: (request: unknown) => worker.postMessage(request),
    listen(onReply: (r: GradientReply) => void, onError: (e: Error) => void) {
      worker.on('message', onReply);
      worker.on('error', onError);
      worker.on('exit', (code) => onError(new Error(`the gradient thread exited (code ${code})`)));
    },
    terminate: async () => {
      await worker.terminate();
    },
  };
}

/** `count` helper threads set up for the run whose network config is `configJson`. */
export async function startGradientThreads(
  count: number,
  configJson: Record<string, unknown>,
): Promise<GradientHelper[]> {
  const started = await Promise.allSettled(
    Array.from({ length: count }, () => ChannelGradientHelper.start(startThread(), configJson)),
  );
  const helpers = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failure = started.find((s) => s.status === 'rejected');
  if (failure) {
    await Promise.all(helpers.map((h) => h.close()));
    throw (failure as PromiseRejectedResult).reason;
  }
  return helpers;
}
