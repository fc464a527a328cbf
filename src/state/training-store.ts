/**
 * The Training panel's state: the run the worker trains (its info, latest progress, loss curve and preview),
 * the stored checkpoints, and what went wrong. The form's values live in the URL (url-state.ts); the run
 * itself lives in the worker, which streams `TrainingEvent`s here.
 */
import * as Comlink from 'comlink';
import { create } from 'zustand';
import { compute } from '../ui/compute-client';
import { download } from '../ui/format';
import type {
  ModelSummary,
  ResumeRequest,
  TrainingCheckpointInfo,
  TrainingEvent,
  TrainingPreview,
  TrainingProgress,
  TrainingRunInfo,
  TrainingState,
  TrainRequest,
} from '../worker/api';
import { useSamplingStore } from './sampling-store';
import { useUrlStore } from './url-store';

export type TrainingPhase = 'idle' | 'starting' | TrainingState;

/** (step, loss, smoothed loss). */
export type LossPoint = [number, number, number];

/** The curve keeps at most this many points; older ones are merged pairwise, as the checkpoint log is. */
const MAX_POINTS = 4000;
const DISMISSED_KEY = 'ddae-training-offer-dismissed';

interface TrainingStoreState {
  phase: TrainingPhase;
  run: TrainingRunInfo | null;
  progress: TrainingProgress | null;
  points: LossPoint[];
  preview: TrainingPreview | null;
  checkpoints: TrainingCheckpointInfo[];
  /** Why the run ended, when it did not simply finish (e.g. the loss diverged). */
  message: string | null;
  error: string | null;
  /** A checkpoint the browser would not store (quota): its bytes, for a download. */
  rescue: { fileName: string; bytes: Uint8Array; step: number; message: string } | null;
  /** A run that stopped short of its target, offered for resuming after a reload. */
  offer: TrainingCheckpointInfo | null;
  /** The model just added to the Sampling panel. */
  added: ModelSummary | null;
  /** A pause/stop/save request is on its way to the worker. */
  pending: 'pause' | 'stop' | 'save' | 'continue' | null;
  start: (request: TrainRequest) => Promise<void>;
  resumeFrom: (request: ResumeRequest) => Promise<void>;
  pause: () => Promise<void>;
  continueRun: () => Promise<void>;
  stop: () => Promise<void>;
  saveNow: () => Promise<void>;
  refreshCheckpoints: () => Promise<void>;
  download: (id: string) => Promise<void>;
  upload: (file: File) => Promise<void>;
  remove: (id: string) => Promise<void>;
  addToSampling: (id: string) => Promise<void>;
  checkOffer: () => Promise<void>;
  dismissOffer: () => void;
  dismiss: () => void;
  dismissRescue: () => void;
}

const errorText = (e: unknown) => (e instanceof Error ? e.message : String(e));

/** Halves the older half of the curve so it stays drawable however long the run. */
function thin(points: LossPoint[]): LossPoint[] {
  const half = Math.floor(points.length / 2) & ~1;
  const out: LossPoint[] = [];
  for (let i = 0; i + 1 < half; i += 2) {
    const [a, b] = [points[i], points[i + 1]];
    out.push([b[0], (a[1] + b[1]) / 2, b[2]]);
  }
  return out.concat(points.slice(half));
}

export const saveBytes = (fileName: string, bytes: Uint8Array) =>
  download(fileName, bytes, 'application/octet-stream');

export const useTrainingStore = create<TrainingStoreState>((set, get) => {
  const onEvent = (e: TrainingEvent) => {
    switch (e.type) {
      case 'started':
        set({ run: e.run, points: e.history, progress: null, preview: null, message: null, offer: null });
        break;
      case 'progress': {
        const points = get().points.concat(e.progress.points);
        set({ progress: e.progress, points: points.length > MAX_POINTS ? thin(points) : points });
        break;
      }
      case 'preview':
        set({ preview: e.preview });
        break;
      case 'checkpoint':
        // The worker may have pruned older automatic checkpoints: read the list again.
        void get().refreshCheckpoints();
        break;
      case 'save-failed':
        set({ rescue: { fileName: e.fileName, bytes: e.bytes, step: e.step, message: e.message } });
        break;
      case 'state':
        set({ phase: e.state, pending: null, ...(e.message ? { message: e.message } : {}) });
        if (e.state === 'finished' || e.state === 'stopped' || e.state === 'failed') {
          void get().refreshCheckpoints();
        }
        break;
    }
  };
  const proxy = Comlink.proxy(onEvent);

  const launch = async (call: () => Promise<TrainingRunInfo>) => {
    const before = get().phase;
    if (['starting', 'running', 'paused', 'stopping'].includes(before)) return;
    set({ phase: 'starting', error: null, rescue: null, added: null });
    try {
      const run = await call();
      // Events may have moved the phase on already (a one-step run can finish before this resolves).
      if (get().phase === 'starting') set({ phase: 'running' });
      set({ run, message: null });
    } catch (e) {
      // Nothing started: the previous run's figures and state stay as they were.
      set({ phase: before, error: errorText(e) });
    }
  };

  const request = async (pending: TrainingStoreState['pending'], call: () => Promise<unknown>) => {
    set({ pending });
    try {
      await call();
    } catch (e) {
      set({ error: errorText(e) });
    } finally {
      set({ pending: null });
    }
  };

  return {
    phase: 'idle',
    run: null,
    progress: null,
    points: [],
    preview: null,
    checkpoints: [],
    message: null,
    error: null,
    rescue: null,
    offer: null,
    added: null,
    pending: null,
    start: (r) => launch(() => compute().startTraining(r, proxy)),
    resumeFrom: (r) => launch(() => compute().resumeTrainingFrom(r, proxy)),
    pause: () => request('pause', () => compute().pauseTraining()),
    continueRun: () => request('continue', () => compute().continueTraining()),
    stop: () => request('stop', () => compute().stopTraining()),
    saveNow: () => request('save', () => compute().saveTrainingCheckpoint()),
    refreshCheckpoints: async () => {
      try {
        const list = await compute().listTrainingCheckpoints();
        set({ checkpoints: list.sort((a, b) => b.createdAt - a.createdAt) });
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    download: async (id) => {
      try {
        const { fileName, bytes } = await compute().downloadTrainingCheckpoint(id);
        saveBytes(fileName, bytes);
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    upload: async (file) => {
      set({ error: null });
      try {
        await compute().uploadTrainingCheckpoint({ path: file.name, file });
        await get().refreshCheckpoints();
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    remove: async (id) => {
      try {
        await compute().deleteTrainingCheckpoint(id);
        set((s) => ({ checkpoints: s.checkpoints.filter((c) => c.id !== id) }));
        if (get().offer?.id === id) set({ offer: null });
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    addToSampling: async (id) => {
      set({ error: null, added: null });
      try {
        const model = await compute().useTrainingCheckpointInSampling(id);
        set({ added: model });
        await useSamplingStore.getState().refreshModels();
        useUrlStore.getState().setParams({ model: model.id });
      } catch (e) {
        set({ error: errorText(e) });
      }
    },
    checkOffer: async () => {
      try {
        const offer = await compute().unfinishedTrainingRun();
        const dismissed = typeof localStorage === 'undefined' ? null : localStorage.getItem(DISMISSED_KEY);
        set({ offer: offer && offer.id !== dismissed ? offer : null });
      } catch {
        set({ offer: null });
      }
    },
    dismissOffer: () => {
      const offer = get().offer;
      if (offer && typeof localStorage !== 'undefined') localStorage.setItem(DISMISSED_KEY, offer.id);
      set({ offer: null });
    },
    dismiss: () => set({ error: null }),
    dismissRescue: () => set({ rescue: null }),
  };
});
