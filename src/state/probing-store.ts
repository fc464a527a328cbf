/**
 * The Probing panel's state: the grid on screen (streamed from a running job, or a stored run), the
 * selected cell and its views (projection, nearest neighbours), the stored runs and the ones compared.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { pendingCell } from '../core/probe/pending-cell';
import type { BaselineResult, ProbeGridResult, ProbeGridSettings } from '../core/probe/types';
import { compute } from '../ui/compute-client';
import type {
  DatasetSummary,
  ModelSummary,
  ProbeCellView,
  ProbeEvent,
  ProbeNeighbours,
  ProbeRequest,
  ProbeRunSummary,
} from '../worker/api';
import { isCancelled, type JobHandle, startJob } from './run-job';

/** A grid on screen: a finished or stored result, or one being filled by a running job. */
export interface ProbeView extends Omit<ProbeGridResult, 'status'> {
  /** The stored run's id (known once the job has started). */
  id: string | null;
  status: ProbeGridResult['status'] | 'running';
  /** From this session's latest run: its features are in the worker, so cell views work. */
  live: boolean;
  notes: string[];
}

export interface SelectedCell {
  t: number;
  tap: string;
}

interface ProbingState {
  datasets: DatasetSummary[];
  /** Taps of the chosen model, once asked. */
  taps: { modelId: string; names: string[]; defaults: string[] } | null;
  job: JobHandle<{ id: string; result: ProbeGridResult }> | null;
  view: ProbeView | null;
  selected: SelectedCell | null;
  projection: ProbeCellView | null;
  projectionJob: JobHandle<ProbeCellView> | null;
  testImages: ProbeNeighbours['query'][];
  neighbours: ProbeNeighbours | null;
  runs: ProbeRunSummary[];
  /** Stored runs shown side by side. */
  /** Runs shown side by side, in the order ticked; loaded after their id is ticked. */
  compared: { id: string; result: ProbeGridResult }[];
  /** Ticked at once so the checkbox follows the click even while the run loads. */
  comparedIds: string[];
  error: string | null;
  refreshDatasets: () => Promise<void>;
  refreshTaps: (modelId: string) => Promise<void>;
  run: (request: ProbeRequest, meta: ProbeRunMeta) => Promise<void>;
  select: (cell: SelectedCell | null) => void;
  project: (method: 'pca' | 'umap') => Promise<void>;
  findNeighbours: (position: number) => Promise<void>;
  refreshRuns: () => Promise<void>;
  openRun: (id: string) => Promise<void>;
  deleteRun: (id: string) => Promise<void>;
  /** Stores a grid from a JSON file and opens it. */
  importRun: (file: File) => Promise<void>;
  toggleCompare: (id: string) => Promise<void>;
  dismiss: () => void;
}

export interface ProbeRunMeta {
  model: ModelSummary;
  dataset: DatasetSummary | null;
}

const MAX_IMPORT_BYTES = 64 * 2 ** 20;

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

function startingView(settings: ProbeGridSettings, meta: ProbeRunMeta): ProbeView {
  return {
    id: null,
    status: 'running',
    live: true,
    notes: [],
    model: { name: meta.model.name, arch: meta.model.arch, imageShape: meta.model.imageShape },
    dataset: {
      name: meta.dataset?.name ?? '',
      classNames: meta.dataset?.classNames ?? [],
      trainCount: 0,
      testCount: 0,
    },
    settings,
    taps: [],
    timesteps: [...settings.timesteps].sort((a, b) => a - b),
    cells: [],
    baseline: null,
    featureImages: 0,
    featureMs: 0,
    probeMs: 0,
    totalMs: 0,
    backend: '',
    createdAt: Date.now(),
  };
}

export const useProbingStore = create<ProbingState>((set, get) => {
  /** The model whose taps the panel asked for last. */
  let tapsWanted: string | null = null;
  const patchView = (patch: (v: ProbeView) => Partial<ProbeView>) =>
    set((s) => (s.view ? { view: { ...s.view, ...patch(s.view) } } : s));

  const onEvent = (e: ProbeEvent) => {
    if (e.type === 'started') {
      patchView((v) => ({
        id: e.id,
        taps: e.taps,
        notes: e.notes,
        dataset: { name: e.datasetName, classNames: e.classNames, trainCount: e.train, testCount: e.test },
        cells: v.timesteps.flatMap((t) => e.taps.map((tap) => pendingCell(t, tap))),
      }));
    } else if (e.type === 'baseline') {
      patchView(() => ({ baseline: e.baseline as BaselineResult }));
    } else {
      patchView((v) => {
        const cells = [...v.cells];
        cells[e.index] = e.cell;
        return { cells };
      });
    }
  };

  return {
    datasets: [],
    taps: null,
    job: null,
    view: null,
    selected: null,
    projection: null,
    projectionJob: null,
    testImages: [],
    neighbours: null,
    runs: [],
    compared: [],
    comparedIds: [],
    error: null,

    refreshDatasets: async () => {
      try {
        set({ datasets: await compute().listDatasets() });
      } catch (e) {
        set({ error: message(e) });
      }
    },

    refreshTaps: async (modelId) => {
      tapsWanted = modelId;
      if (get().taps?.modelId === modelId) return;
      try {
        const { names, defaults } = await compute().probeTaps(modelId);
        // A slower answer for a model chosen earlier (the shipped one, still loading when a checkpoint
        // was imported) must not replace the current model's taps: the form would wait for them forever.
        if (tapsWanted !== modelId) return;
        set({ taps: { modelId, names, defaults } });
      } catch (e) {
        if (tapsWanted !== modelId) return;
        set({ taps: null, error: message(e) });
      }
    },

    run: async (request, meta) => {
      if (get().job) return;
      const handle = startJob('Probe grid', (id, p) =>
        compute().runProbe(id, request, Comlink.proxy(onEvent), p),
      );
      set({
        job: handle,
        error: null,
        view: startingView(request.settings, meta),
        selected: null,
        projection: null,
        neighbours: null,
        testImages: [],
      });
      try {
        const { id, result } = await handle.done;
        set((s) => ({ view: { ...result, id, live: true, notes: s.view?.notes ?? [] } }));
        const best = result.cells
          .filter((c) => c.status === 'done')
          .sort((a, b) => (b.accuracy ?? 0) - (a.accuracy ?? 0))[0];
        if (best) get().select({ t: best.t, tap: best.tap });
      } catch (e) {
        set((s) => ({
          view: s.view && s.view.status === 'running' ? null : s.view,
          error: isCancelled(e) ? null : message(e),
        }));
      } finally {
        set({ job: null });
        void get().refreshRuns();
      }
    },

    select: (cell) => {
      set({ selected: cell, projection: null, neighbours: null });
      const { view } = get();
      if (!cell || !view?.live || !view.id || view.status === 'running') return;
      void get().project('pca');
      if (get().testImages.length === 0) {
        void compute()
          .probeTestImages(view.id, 24)
          .then((testImages) => set({ testImages }))
          .catch(() => {});
      }
    },

    project: async (method) => {
      const { view, selected, projectionJob } = get();
      if (!view?.id || !selected || !view.live) return;
      projectionJob?.cancel();
      const runId = view.id;
      const handle = startJob(method === 'pca' ? 'PCA' : 'UMAP', (id, p) =>
        compute().probeProjection(id, runId, selected, method, p),
      );
      set({ projectionJob: handle });
      try {
        const projection = await handle.done;
        const now = get().selected;
        if (now && now.t === projection.t && now.tap === projection.tap) set({ projection });
      } catch (e) {
        if (!isCancelled(e)) set({ error: message(e) });
      } finally {
        if (get().projectionJob === handle) set({ projectionJob: null });
      }
    },

    findNeighbours: async (position) => {
      const { view, selected } = get();
      if (!view?.id || !selected) return;
      try {
        set({ neighbours: await compute().probeNeighbours(view.id, selected, position, 8) });
      } catch (e) {
        set({ error: message(e) });
      }
    },

    refreshRuns: async () => {
      try {
        // The shipped models' grids first, then this browser's runs, newest first.
        const runs = (await compute().listProbeRuns()).sort(
          (a, b) => Number(b.shipped) - Number(a.shipped) || b.createdAt - a.createdAt,
        );
        set({ runs });
      } catch (e) {
        set({ error: message(e) });
      }
    },

    openRun: async (id) => {
      if (get().job) return;
      try {
        const result = await compute().loadProbeRun(id);
        set({
          view: { ...result, id, live: false, notes: [] },
          selected: null,
          projection: null,
          neighbours: null,
          testImages: [],
        });
      } catch (e) {
        set({ error: message(e) });
      }
    },

    deleteRun: async (id) => {
      await compute().deleteProbeRun(id);
      set((s) => ({
        runs: s.runs.filter((r) => r.id !== id),
        compared: s.compared.filter((c) => c.id !== id),
        comparedIds: s.comparedIds.filter((c) => c !== id),
      }));
    },

    importRun: async (file) => {
      // A grid of a few hundred cells with curves is well under a megabyte; past this it is not one.
      if (file.size > MAX_IMPORT_BYTES) {
        set({
          error: `${file.name} is ${(file.size / 2 ** 20).toFixed(0)} MB: a probe grid JSON is far smaller. Choose a file exported from this panel or written by npm run probe.`,
        });
        return;
      }
      try {
        const summary = await compute().importProbeRun(file.name, await file.text());
        await get().refreshRuns();
        await get().openRun(summary.id);
      } catch (e) {
        set({ error: message(e) });
      }
    },

    toggleCompare: async (id) => {
      if (get().comparedIds.includes(id)) {
        set((s) => ({
          comparedIds: s.comparedIds.filter((c) => c !== id),
          compared: s.compared.filter((c) => c.id !== id),
        }));
        return;
      }
      set((s) => ({ comparedIds: [...s.comparedIds, id] }));
      try {
        const result = await compute().loadProbeRun(id);
        // Unticked while loading: drop the result.
        if (!get().comparedIds.includes(id)) return;
        set((s) => ({ compared: [...s.compared, { id, result }] }));
      } catch (e) {
        set((s) => ({ comparedIds: s.comparedIds.filter((c) => c !== id), error: message(e) }));
      }
    },

    dismiss: () => set({ error: null }),
  };
});
