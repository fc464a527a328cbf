/** The Sampling panel's sample-quality score: the running job, the last report and its error. */
import { create } from 'zustand';
import { compute } from '../ui/compute-client';
import type { QualityReport, QualityRequest } from '../worker/api';
import { isCancelled, type JobHandle, startJob } from './run-job';

interface QualityState {
  job: JobHandle<QualityReport> | null;
  report: QualityReport | null;
  error: string | null;
  score: (request: QualityRequest) => Promise<void>;
  dismiss: () => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const useQualityStore = create<QualityState>((set, get) => ({
  job: null,
  report: null,
  error: null,
  score: async (request) => {
    if (get().job) return;
    const handle = startJob('Sample quality', (id, p) => compute().scoreSamples(id, request, p));
    set({ job: handle, error: null });
    try {
      set({ report: await handle.done });
    } catch (e) {
      if (!isCancelled(e)) set({ error: message(e) });
    } finally {
      set({ job: null });
    }
  },
  dismiss: () => set({ error: null }),
}));
