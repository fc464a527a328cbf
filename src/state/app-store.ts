/** Backend, memory and job status: what the status bar shows. */
import { create } from 'zustand';
import type { BackendInfo, MemoryStats } from '../core/gpu/backend';
import type { JobProgress } from '../worker/api';

export interface RunningJob {
  id: string;
  name: string;
  progress: JobProgress | null;
}

export interface FinishedJob {
  name: string;
  ms: number;
  status: 'done' | 'cancelled' | 'failed';
}

interface AppState {
  backend: BackendInfo | null;
  backendError: string | null;
  memory: MemoryStats | null;
  running: Record<string, RunningJob>;
  lastJob: FinishedJob | null;
  setBackend: (backend: BackendInfo) => void;
  setBackendError: (message: string) => void;
  setMemory: (memory: MemoryStats) => void;
  jobStarted: (id: string, name: string) => void;
  jobProgress: (id: string, progress: JobProgress) => void;
  jobFinished: (id: string, result: FinishedJob) => void;
}

export const useAppStore = create<AppState>((set) => ({
  backend: null,
  backendError: null,
  memory: null,
  running: {},
  lastJob: null,
  setBackend: (backend) => set({ backend, backendError: null }),
  setBackendError: (backendError) => set({ backendError }),
  setMemory: (memory) => set({ memory }),
  jobStarted: (id, name) => set((s) => ({ running: { ...s.running, [id]: { id, name, progress: null } } })),
  jobProgress: (id, progress) =>
    set((s) => (s.running[id] ? { running: { ...s.running, [id]: { ...s.running[id], progress } } } : s)),
  jobFinished: (id, lastJob) =>
    set((s) => {
      const { [id]: _done, ...running } = s.running;
      return { running, lastJob };
    }),
}));
