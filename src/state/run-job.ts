/**
 * Runs a worker job while keeping the app store informed (progress, duration, outcome), so every panel
 * gets progress bars, cancel buttons and the status bar's "last job" for free.
 */
import * as Comlink from 'comlink';
import { compute, newJobId } from '../ui/compute-client';
import type { JobProgress, JobResult, ProgressCallback } from '../worker/api';
import { useAppStore } from './app-store';

export interface JobHandle<T> {
  id: string;
  done: Promise<T>;
  cancel: () => void;
}

export function isCancelled(e: unknown): boolean {
  return e instanceof Error && (e.name === 'JobCancelledError' || e.message === 'Cancelled');
}

export function startJob<T>(
  name: string,
  call: (jobId: string, onProgress: ProgressCallback) => Promise<JobResult<T>>,
): JobHandle<T> {
  const id = newJobId(name.toLowerCase().replace(/\W+/g, '-'));
  const store = useAppStore.getState();
  store.jobStarted(id, name);
  const t0 = performance.now();
  const onProgress = Comlink.proxy((p: JobProgress) => useAppStore.getState().jobProgress(id, p));
  const done = call(id, onProgress).then(
    (result) => {
      useAppStore.getState().jobFinished(id, { name, ms: result.ms, status: 'done' });
      return result.value;
    },
    (e: unknown) => {
      const status = isCancelled(e) ? 'cancelled' : 'failed';
      useAppStore.getState().jobFinished(id, { name, ms: performance.now() - t0, status });
      throw e;
    },
  );
  return { id, done, cancel: () => void compute().cancel(id) };
}
