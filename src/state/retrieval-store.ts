/** The Retrieval panel's state: sources, the last run, the chosen query and mode, its ranking and pair view. */
import { create } from 'zustand';
import { compute } from '../ui/compute-client';
import type {
  PairView,
  RankingPage,
  RetrievalFile,
  RetrievalMode,
  RetrievalSummary,
} from '../worker/retrieval-types';
import { isCancelled, type JobHandle, startJob } from './run-job';

export const PAGE = 10;

interface RetrievalState {
  gallerySource: 'synthetic' | 'upload';
  querySource: 'synthetic' | 'upload';
  syntheticIds: number;
  galleryFiles: File[];
  queryFiles: File[];
  job: JobHandle<RetrievalSummary> | null;
  summary: RetrievalSummary | null;
  mode: RetrievalMode;
  query: number;
  /** Items shown in the ranked strip (10, 20, ...). */
  shown: number;
  ranking: RankingPage | null;
  pair: PairView | null;
  error: string | null;
  set: (
    patch: Partial<
      Pick<RetrievalState, 'gallerySource' | 'querySource' | 'syntheticIds' | 'galleryFiles' | 'queryFiles'>
    >,
  ) => void;
  run: () => Promise<void>;
  selectQuery: (q: number) => Promise<void>;
  setMode: (mode: RetrievalMode) => Promise<void>;
  more: () => Promise<void>;
  openPair: (gallery: number) => Promise<void>;
  closePair: () => void;
  dismiss: () => void;
}

const message = (e: unknown) => (e instanceof Error ? e.message : String(e));

const readFiles = (files: File[]): Promise<RetrievalFile[]> =>
  Promise.all(files.map(async (f) => ({ path: f.name, bytes: new Uint8Array(await f.arrayBuffer()) })));

export const useRetrievalStore = create<RetrievalState>((set, get) => {
  const loadRanking = async () => {
    const { summary, query, mode, shown } = get();
    if (!summary) return;
    try {
      set({ ranking: await compute().retrievalRanking(query, mode, 0, shown) });
    } catch (e) {
      set({ error: message(e) });
    }
  };
  return {
    gallerySource: 'synthetic',
    querySource: 'synthetic',
    syntheticIds: 30,
    galleryFiles: [],
    queryFiles: [],
    job: null,
    summary: null,
    mode: 'total',
    query: 0,
    shown: PAGE,
    ranking: null,
    pair: null,
    error: null,
    set: (patch) => set(patch),
    run: async () => {
      if (get().job) return;
      const s = get();
      set({ error: null });
      let request: Parameters<ReturnType<typeof compute>['runRetrieval']>[1];
      try {
        request = {
          gallery: s.gallerySource,
          query: s.querySource,
          syntheticIds: s.syntheticIds,
          galleryFiles: s.gallerySource === 'upload' ? await readFiles(s.galleryFiles) : [],
          queryFiles: s.querySource === 'upload' ? await readFiles(s.queryFiles) : [],
        };
      } catch (e) {
        set({ error: message(e) });
        return;
      }
      const handle = startJob('Retrieval', (id, p) => compute().runRetrieval(id, request, p));
      set({ job: handle, pair: null });
      try {
        const summary = await handle.done;
        set({ summary, query: 0, shown: PAGE, ranking: null });
        await loadRanking();
      } catch (e) {
        if (!isCancelled(e)) set({ error: message(e) });
      } finally {
        set({ job: null });
      }
    },
    selectQuery: async (query) => {
      set({ query, shown: PAGE, pair: null });
      await loadRanking();
    },
    setMode: async (mode) => {
      set({ mode });
      await loadRanking();
    },
    more: async () => {
      set((s) => ({ shown: s.shown + PAGE }));
      await loadRanking();
    },
    openPair: async (gallery) => {
      try {
        set({ pair: await compute().retrievalPair(get().query, gallery) });
      } catch (e) {
        set({ error: message(e) });
      }
    },
    closePair: () => set({ pair: null }),
    dismiss: () => set({ error: null }),
  };
});
