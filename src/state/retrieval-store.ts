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
import { isReranked, modeDistance, retrievalMode } from '../worker/retrieval-types';
import { isCancelled, type JobHandle, startJob } from './run-job';
import { useUrlStore } from './url-store';

export const PAGE = 10;

/** The mode in the URL hash (`rdist`, `rrr`): shared links open on the same ranking. */
export const urlMode = (): RetrievalMode => {
  const { rdist, rrr } = useUrlStore.getState().params;
  return retrievalMode(rdist, rrr === 'on');
};

/** Sources and the synthetic subset live in the URL hash (rgal, rq, rids); files and results here. */
interface RetrievalState {
  galleryFiles: File[];
  queryFiles: File[];
  job: JobHandle<RetrievalSummary> | null;
  summary: RetrievalSummary | null;
  query: number;
  /** Items shown in the ranked strip (10, 20, ...). */
  shown: number;
  ranking: RankingPage | null;
  pair: PairView | null;
  error: string | null;
  set: (patch: Partial<Pick<RetrievalState, 'galleryFiles' | 'queryFiles'>>) => void;
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
  // A mode changed in the URL (Back, an edited link) re-sorts the shown ranking.
  useUrlStore.subscribe((now, before) => {
    if (now.params.rdist !== before.params.rdist || now.params.rrr !== before.params.rrr) void loadRanking();
  });
  const loadRanking = async () => {
    const { summary, query, shown } = get();
    if (!summary) return;
    try {
      set({ ranking: await compute().retrievalRanking(query, urlMode(), 0, shown) });
    } catch (e) {
      set({ error: message(e) });
    }
  };
  return {
    galleryFiles: [],
    queryFiles: [],
    job: null,
    summary: null,
    query: 0,
    shown: PAGE,
    ranking: null,
    pair: null,
    error: null,
    set: (patch) => set(patch),
    run: async () => {
      if (get().job) return;
      const s = get();
      const { rgal, rq, rids } = useUrlStore.getState().params;
      set({ error: null });
      let request: Parameters<ReturnType<typeof compute>['runRetrieval']>[1];
      try {
        request = {
          gallery: rgal,
          query: rq,
          syntheticIds: rids,
          galleryFiles: rgal === 'upload' ? await readFiles(s.galleryFiles) : [],
          queryFiles: rq === 'upload' ? await readFiles(s.queryFiles) : [],
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
      useUrlStore.getState().setParams({ rdist: modeDistance(mode), rrr: isReranked(mode) ? 'on' : 'off' });
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
