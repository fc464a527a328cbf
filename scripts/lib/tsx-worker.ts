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
