/**
 * One thread of `drawSamplesInThreads`: its own tfjs-wasm and copy of the network, drawing the batches it
 * is handed (`drawSampleBatch`), one message at a time.
 */
import '../../src/core/gpu/kernels/matmul-wasm';
import type { Denoiser } from '../../src/core/diffusion/denoiser';
import { drawSampleBatch } from '../../src/core/eval/sample-quality';
import { denoiserFromCheckpoint } from '../../src/core/io/denoiser-from-checkpoint';
import type { SampleReply, SampleRequest } from './sample-threads';
import { wasmThread } from './tsx-worker';

const { port, backendReady } = wasmThread('sample-thread');
let queue: Promise<unknown> = backendReady;
let model: Denoiser | null = null;
let setup: Extract<SampleRequest, { kind: 'setup' }> | null = null;

async function handle(request: SampleRequest): Promise<SampleReply> {
  if (request.kind === 'setup') {
    const loaded = denoiserFromCheckpoint(request.checkpoint, request.name);
    if (!loaded.ok) throw new Error(loaded.error);
    model?.dispose();
    model = loaded.value.model;
    setup = request;
    return { kind: 'ready' };
  }
  if (!model || !setup) throw new Error('sample-thread: a batch arrived before the network was set up');
  const images = await drawSampleBatch(
    { model, sampler: setup.sampler, seed: setup.seed },
    request.first,
    request.size,
  );
  return { kind: 'batch', first: request.first, images };
}

port.on('message', (request: SampleRequest) => {
  queue = queue
    .then(() => handle(request))
    .then(
      (reply) => port.postMessage(reply, reply.kind === 'batch' ? [reply.images.buffer as ArrayBuffer] : []),
      (e: unknown) => port.postMessage({ kind: 'error', message: (e as Error).message ?? String(e) }),
    );
});
