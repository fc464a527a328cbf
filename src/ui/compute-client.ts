/** The UI's handle on the compute worker. Created once, lazily; every call is an async Comlink RPC. */
import * as Comlink from 'comlink';
import type { ComputeApi } from '../worker/api';

let remote: Comlink.Remote<ComputeApi> | null = null;

export function compute(): Comlink.Remote<ComputeApi> {
  if (!remote) {
    const worker = new Worker(new URL('../worker/compute.worker.ts', import.meta.url), {
      type: 'module',
      name: 'ddae-compute',
    });
    remote = Comlink.wrap<ComputeApi>(worker);
  }
  return remote;
}

let counter = 0;
export function newJobId(kind: string): string {
  counter += 1;
  return `${kind}-${counter}-${Date.now().toString(36)}`;
}
