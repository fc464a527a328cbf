/** What a long-running core function accepts so callers can follow and stop it. */
export interface JobControl {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}

export class JobCancelledError extends Error {
  constructor() {
    super('Cancelled');
    this.name = 'JobCancelledError';
  }
}

export function throwIfCancelled(signal?: AbortSignal): void {
  if (signal?.aborted) throw new JobCancelledError();
}

/** Lets queued messages (a cancel request, say) run between batches of a long loop. */
export const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));
