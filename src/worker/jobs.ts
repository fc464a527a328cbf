/** Cancellable jobs: each has an AbortController the UI can trigger by id through `cancel`. */
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
  } finally {
    running.delete(jobId);
  }
}

export function cancelJob(jobId: string): void {
  running.get(jobId)?.abort();
}
