/**
 * Probe feature extraction on Node worker threads for `npm run probe`: each thread loads the network and
 * the data set into its own tfjs-wasm (tfjs runs wasm on one thread in Node) and extracts the features of
 * a contiguous share of the images. Shares are whole feature batches and an image's noise depends only on
 * its index, so the features are those one thread would compute.
 */
import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import type { ImageDataset } from '../../src/core/data/dataset';
import { throwIfCancelled } from '../../src/core/job';
import type { ExtractOptions, TapFeatures } from '../../src/core/probe/features';
import type { FeatureExtractor } from '../../src/core/probe/grid';
import { askWorker, startTsxWorker } from './tsx-worker';

export type FeatureRequest =
  | { kind: 'setup'; checkpoint: Uint8Array; name: string; sidecar?: string; dataset: ImageDataset }
  | { kind: 'extract'; indices: Int32Array; options: ExtractOptions };

export type FeatureReply =
  | { kind: 'ready' }
  | { kind: 'progress'; done: number }
  | { kind: 'features'; taps: [string, TapFeatures][] }
  | { kind: 'error'; message: string };

export interface FeatureThreads {
  extract: FeatureExtractor;
  close(): Promise<void>;
}

const ask = (worker: Worker, request: FeatureRequest, onProgress?: (done: number) => void) =>
  askWorker<FeatureReply>(worker, request, '', (r) => r.kind === 'progress' && onProgress?.(r.done));

/** `threads` threads holding the checkpoint's network and `dataset`, for `runProbeGrid`'s `extract`. */
export async function startFeatureThreads(
  setup: { checkpoint: Uint8Array; name: string; sidecar?: string; dataset: ImageDataset },
  threads = availableParallelism(),
): Promise<FeatureThreads> {
  const workers = Array.from({ length: Math.max(1, threads) }, () =>
    startTsxWorker(new URL('./feature-thread.ts', import.meta.url)),
  );
  const close = async () => {
    await Promise.all(workers.map((w) => w.terminate()));
  };
  try {
    await Promise.all(workers.map((w) => ask(w, { kind: 'setup', ...setup })));
  } catch (e) {
    await close();
    throw e;
  }
  const extract: FeatureExtractor = async (_model, _dataset, indices, options, control = {}) => {
    throwIfCancelled(control.signal);
    // Contiguous shares of whole batches, so each thread pads and batches as one thread would.
    const batches = Math.ceil(indices.length / options.batchSize);
    const perThread = Math.ceil(batches / workers.length) * options.batchSize;
    const shares = workers
      .map((w, k) => ({ w, from: k * perThread, to: Math.min(indices.length, (k + 1) * perThread) }))
      .filter((s) => s.from < s.to);
    const done = shares.map(() => 0);
    const replies = await Promise.all(
      shares.map(({ w, from, to }, k) =>
        ask(w, { kind: 'extract', indices: indices.slice(from, to), options }, (n) => {
          done[k] = n;
          control.onProgress?.(
            done.reduce((a, b) => a + b, 0),
            indices.length,
          );
        }),
      ),
    );
    throwIfCancelled(control.signal);
    const out = new Map<string, TapFeatures>();
    replies.forEach((reply, k) => {
      if (reply.kind !== 'features') throw new Error('a feature thread sent no features');
      for (const [name, f] of reply.taps) {
        let entry = out.get(name);
        if (!entry) {
          entry = { dim: f.dim, data: new Float32Array(indices.length * f.dim) };
          out.set(name, entry);
        }
        entry.data.set(f.data, shares[k].from * f.dim);
      }
    });
    return out;
  };
  return { extract, close };
}
