/** The Sampling panel's state: models, the running or finished sampling job, and the scrubber. */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { compute } from '../ui/compute-client';
import type { ModelSummary, SampleFrame, SampleRequest, SampleSummary, UploadedFile } from '../worker/api';
import { isCancelled, type JobHandle, startJob } from './run-job';
import { useUrlStore } from './url-store';

interface SamplingState {
  models: ModelSummary[];
  importJob: JobHandle<ModelSummary> | null;
  sampleJob: JobHandle<SampleSummary> | null;
  /** The frame on screen: the latest streamed step while sampling, the scrubbed step afterwards. */
  frame: SampleFrame | null;
  /** The scrubber's position among the stored steps of the finished run. */
  scrubIndex: number;
  /** The finished run, with the request that made it (the scrubber and exports refer to it). */
  run: { request: SampleRequest; summary: SampleSummary } | null;
  error: string | null;
  refreshModels: () => Promise<void>;
  importCheckpoint: (files: UploadedFile[]) => Promise<void>;
  deleteModel: (id: string) => Promise<void>;
  sample: (request: SampleRequest) => Promise<void>;
  scrub: (index: number) => Promise<void>;
  dismiss: () => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

export const useSamplingStore = create<SamplingState>((set, get) => ({
  models: [],
  importJob: null,
  sampleJob: null,
  frame: null,
  scrubIndex: 0,
  run: null,
  error: null,
  refreshModels: async () => {
    try {
      set({ models: await compute().listModels() });
    } catch (e) {
      set({ error: message(e) });
    }
  },
  importCheckpoint: async (files) => {
    const handle = startJob('Import checkpoint', (id, p) => compute().importCheckpoint(id, files, p));
    set({ importJob: handle, error: null });
    try {
      const model = await handle.done;
      set((s) => ({ models: [...s.models.filter((m) => m.id !== model.id), model] }));
      useUrlStore.getState().setParams({ model: model.id });
    } catch (e) {
      if (!isCancelled(e)) set({ error: message(e) });
    } finally {
      set({ importJob: null });
    }
  },
  deleteModel: async (id) => {
    await compute().deleteModel(id);
    set((s) => ({ models: s.models.filter((m) => m.id !== id) }));
    if (useUrlStore.getState().params.model === id) useUrlStore.getState().setParams({ model: null });
  },
  sample: async (request) => {
    if (get().sampleJob) return;
    const onFrame = Comlink.proxy((frame: SampleFrame) => set({ frame }));
    const handle = startJob('Sample', (id, p) => compute().sample(id, request, onFrame, p));
    set({ sampleJob: handle, error: null, run: null, frame: null });
    try {
      const summary = await handle.done;
      set({ run: { request, summary }, scrubIndex: summary.storedSteps - 1 });
    } catch (e) {
      if (!isCancelled(e)) set({ error: message(e) });
    } finally {
      set({ sampleJob: null });
    }
  },
  scrub: async (index) => {
    set({ scrubIndex: index });
    try {
      set({ frame: await compute().trajectoryFrame(index) });
    } catch (e) {
      set({ error: message(e) });
    }
  },
  dismiss: () => set({ error: null }),
}));
