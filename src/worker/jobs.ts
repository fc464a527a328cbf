/** Cancellable jobs: each has an AbortController the UI can trigger by id through `cancel`. */
import { JobCancelledError } from '../core/job';
import type { JobResult } from './api';

const running = new Map<string, AbortController>();

export async function runJob<T>(
  jobId: string,
  body: (signal: AbortSignal) => Promise<T>,
): Promise<JobResult<T>> {
  if (running.has(jobId)) throw new Error(`A job with id ${jobId} is already running.`);
  const controller = new AbortController();
  running.set(jobId, controller);
  const t0 = performance.now();
  try {
    const value = await body(controller.signal);
    return { value, ms: performance.now() - t0 };
  } catch (e) {
    // Whatever a cancelled job failed with (an aborted fetch says "signal is aborted without reason"),
    // the UI should hear that it was cancelled, not that it broke.
    if (controller.signal.aborted) throw new JobCancelledError();
    throw e;
  } finally {
    running.delete(jobId);
  }
}

export function cancelJob(jobId: string): void {
  running.get(jobId)?.abort();
}
