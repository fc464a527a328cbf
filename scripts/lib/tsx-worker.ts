/**
 * Worker threads for the Node CLIs: a TypeScript module run through tsx's loader, and the tfjs-wasm start-up
 * each such thread needs (tfjs runs wasm on one thread in Node, so each thread has its own).
 */
import { type MessagePort, parentPort, Worker } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';

/** A worker thread running the TypeScript module at `moduleUrl` (e.g. `new URL('./x.ts', import.meta.url)`). */
export function startTsxWorker(moduleUrl: URL): Worker {
  return new Worker(
    `import('tsx/esm/api').then(({ register }) => { register(); return import(${JSON.stringify(moduleUrl.href)}); })`,
    { eval: true },
  );
}

/**
 * Posts `request` to a thread that answers in order, one request at a time, and resolves with its final
 * reply: a `{ kind: 'progress' }` reply goes to `onProgress`, a `{ kind: 'error', message }` one rejects
 * with `failure` and the message.
 */
export function askWorker<Reply extends { kind: string }>(
  worker: Worker,
  request: unknown,
  failure: string,
  onProgress?: (reply: Reply) => void,
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const onMessage = (reply: Reply) => {
      if (reply.kind === 'progress') {
        onProgress?.(reply);
        return;
      }
      worker.off('message', onMessage);
      worker.off('error', onError);
      if (reply.kind === 'error') reject(new Error(`${failure}${(reply as { message?: string }).message}`));
      else resolve(reply);
    };
    const onError = (e: Error) => {
      worker.off('message', onMessage);
      reject(e);
    };
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.postMessage(request);
  });
}

/** Inside a thread module: its port to the main thread, and tfjs-wasm started once (awaited before work). */
export function wasmThread(name: string): { port: MessagePort; backendReady: Promise<void> } {
  const port = parentPort;
  if (!port) throw new Error(`${name}: run me as a worker thread`);
  // Started once, at load: a second setBackend racing the first makes one of them fail silently.
  const backendReady = tf.setBackend('wasm').then(async (started) => {
    if (!started) throw new Error('could not start tfjs-wasm in a worker thread');
    await tf.ready();
  });
  return { port, backendReady };
}
