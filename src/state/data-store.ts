/** The Data panel's state: which sets exist, which one is shown, and the latest load, page and stats. */
import { create } from 'zustand';
import type { DatasetStats } from '../core/data/stats';
import { compute } from '../ui/compute-client';
import type { DatasetSummary, PageResult, UploadedFile } from '../worker/api';
import { isCancelled, type JobHandle, startJob } from './run-job';
import type { UrlParams } from './url-state';
import { useUrlStore } from './url-store';

interface DataState {
  datasets: DatasetSummary[];
  loadJob: JobHandle<DatasetSummary> | null;
  statsJob: JobHandle<DatasetStats> | null;
  error: string | null;
  /** Files skipped in the latest upload, shown until dismissed. */
  problems: string[];
  page: PageResult | null;
  /** The latest statistics, with the set and split they describe. */
  stats: { datasetId: string; split: string; value: DatasetStats } | null;
  refreshList: () => Promise<void>;
  loadMnist: () => Promise<void>;
  upload: (files: UploadedFile[]) => Promise<void>;
  /** Makes sure the worker holds the set named in the URL, reading it back from IndexedDB if needed. */
  ensureLoaded: (id: string) => Promise<void>;
  remove: (id: string) => Promise<void>;
  fetchPage: (request: PageQuery) => Promise<void>;
  computeStats: () => Promise<void>;
  dismiss: () => void;
}

export type PageQuery = Pick<UrlParams, 'ds' | 'split' | 'class' | 'page' | 'per'>;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));
const showDataset = (id: string) =>
  useUrlStore.getState().setParams({ ds: id, page: 0, class: null, split: 'all' });

export const useDataStore = create<DataState>((set, get) => {
  const upsert = (summary: DatasetSummary) =>
    set((s) => {
      const at = s.datasets.findIndex((d) => d.id === summary.id);
      if (at < 0) return { datasets: [...s.datasets, summary] };
      const datasets = [...s.datasets];
      datasets[at] = summary;
      return { datasets };
    });

  const runLoad = async (handle: JobHandle<DatasetSummary>) => {
    set({ loadJob: handle, error: null, problems: [] });
    try {
      const summary = await handle.done;
      upsert(summary);
      set({ problems: summary.problems, stats: null });
      showDataset(summary.id);
    } catch (e) {
      if (!isCancelled(e)) set({ error: message(e) });
    } finally {
      set({ loadJob: null });
    }
  };

  return {
    datasets: [],
    loadJob: null,
    statsJob: null,
    error: null,
    problems: [],
    page: null,
    stats: null,
    refreshList: async () => set({ datasets: await compute().listDatasets() }),
    loadMnist: () => runLoad(startJob('Load MNIST', (id, p) => compute().loadEmbeddedMnist(id, p))),
    upload: (files) => runLoad(startJob('Load upload', (id, p) => compute().loadUpload(id, files, p))),
    ensureLoaded: async (id) => {
      if (get().loadJob || get().datasets.some((d) => d.id === id && d.inMemory)) return;
      if (id === 'mnist') return get().loadMnist();
      try {
        upsert(await compute().openDataset(id));
      } catch (e) {
        set({ error: message(e) });
        useUrlStore.getState().setParams({ ds: null });
      }
    },
    remove: async (id) => {
      await compute().deleteDataset(id);
      set((s) => ({ datasets: s.datasets.filter((d) => d.id !== id), page: null, stats: null }));
      if (useUrlStore.getState().params.ds === id) useUrlStore.getState().setParams({ ds: null, page: 0 });
    },
    fetchPage: async ({ ds, split, class: label, page, per }) => {
      const summary = get().datasets.find((d) => d.id === ds);
      if (!ds || !summary?.inMemory) {
        set({ page: null });
        return;
      }
      const validSplit = summary.splits.some((s) => s.name === split) ? split : 'all';
      const count = Number(per);
      try {
        set({
          page: await compute().readPage({
            datasetId: ds,
            split: validSplit,
            label,
            offset: page * count,
            count,
          }),
        });
      } catch (e) {
        set({ page: null, error: message(e) });
      }
    },
    computeStats: async () => {
      const { ds, split } = useUrlStore.getState().params;
      const summary = get().datasets.find((d) => d.id === ds);
      if (!ds || !summary) return;
      const validSplit = summary.splits.some((s) => s.name === split) ? split : 'all';
      const handle = startJob('Data statistics', (id, p) => compute().datasetStats(id, ds, validSplit, p));
      set({ statsJob: handle, stats: null, error: null });
      try {
        set({ stats: { datasetId: ds, split: validSplit, value: await handle.done } });
      } catch (e) {
        if (!isCancelled(e)) set({ error: message(e) });
      } finally {
        set({ statsJob: null });
      }
    },
    dismiss: () => set({ error: null, problems: [] }),
  };
});

export { showDataset };
