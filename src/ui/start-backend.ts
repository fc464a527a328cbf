/** Starts the worker's backend (honouring `?backend=`) and keeps the memory figures fresh. */
import { type BackendName, isBackendName } from '../core/gpu/backend-names';
import { useAppStore } from '../state/app-store';
import { compute } from './compute-client';

const MEMORY_POLL_MS = 1000;

/** `?backend=wasm` (or webgpu, webgl, cpu) forces a backend; any other value is reported, not used. */
export function requestedBackend(search: string): { backend: BackendName | null; invalid: string | null } {
  const raw = new URLSearchParams(search).get('backend');
  if (raw === null) return { backend: null, invalid: null };
  return isBackendName(raw) ? { backend: raw, invalid: null } : { backend: null, invalid: raw };
}

export function startBackend(): void {
  const { backend } = requestedBackend(location.search);
  compute()
    .init(backend)
    .then((info) => {
      useAppStore.getState().setBackend(info);
      const poll = async () => {
        try {
          useAppStore.getState().setMemory(await compute().memory());
        } finally {
          setTimeout(poll, MEMORY_POLL_MS);
        }
      };
      void poll();
    })
    .catch((e: Error) => useAppStore.getState().setBackendError(e.message));
}
