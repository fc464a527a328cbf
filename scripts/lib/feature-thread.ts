/**
 * One thread of `startFeatureThreads`: its own tfjs-wasm, network and copy of the data set, extracting the
 * probe features of the images it is handed (`extractFeatures`), one message at a time.
 */
import '../../src/core/gpu/kernels/matmul-wasm';
import type { ImageDataset } from '../../src/core/data/dataset';
import type { Denoiser } from '../../src/core/diffusion/denoiser';
import { denoiserFromCheckpoint } from '../../src/core/io/denoiser-from-checkpoint';
import { extractFeatures } from '../../src/core/probe/features';
import type { FeatureReply, FeatureRequest } from './feature-threads';
import { wasmThread } from './tsx-worker';

const { port, backendReady } = wasmThread('feature-thread');
let queue: Promise<unknown> = backendReady;
let model: Denoiser | null = null;
let dataset: ImageDataset | null = null;

async function handle(request: FeatureRequest): Promise<FeatureReply> {
  if (request.kind === 'setup') {
    const loaded = denoiserFromCheckpoint(request.checkpoint, request.name, request.sidecar);
    if (!loaded.ok) throw new Error(loaded.error);
    model?.dispose();
    model = loaded.value.model;
    dataset = request.dataset;
    return { kind: 'ready' };
  }
  if (!model || !dataset) throw new Error('feature-thread: images arrived before the network was set up');
  const features = await extractFeatures(model, dataset, request.indices, request.options, {
    onProgress: (done) => port.postMessage({ kind: 'progress', done } satisfies FeatureReply),
  });
  return { kind: 'features', taps: [...features] };
}

port.on('message', (request: FeatureRequest) => {
  queue = queue
    .then(() => handle(request))
    .then(
      (reply) =>
        port.postMessage(
          reply,
          reply.kind === 'features' ? reply.taps.map(([, f]) => f.data.buffer as ArrayBuffer) : [],
        ),
      (e: unknown) => port.postMessage({ kind: 'error', message: (e as Error).message ?? String(e) }),
    );
});
