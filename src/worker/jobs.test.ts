/** Cancelled jobs report a cancellation, whatever error their body ended with. */
import { describe, expect, it } from 'vitest';
import { JobCancelledError } from '../core/job';
import { cancelJob, runJob } from './jobs';

/** Rejects like fetch() does when its signal aborts. */
const abortable = (signal: AbortSignal) =>
  new Promise<never>((_, reject) =>
    signal.addEventListener('abort', () =>
      reject(new DOMException('signal is aborted without reason', 'AbortError')),
    ),
  );

describe('runJob', () => {
  it('turns any error of a cancelled job into JobCancelledError; other errors pass unchanged', async () => {
    const cancelled = runJob('a', abortable);
    cancelJob('a');
    await expect(cancelled).rejects.toBeInstanceOf(JobCancelledError);
    await expect(runJob('b', async () => Promise.reject(new Error('bad input')))).rejects.toThrow(
      'bad input',
    );
    const done = await runJob('a', async () => 42); // the id is free again
    expect(done.value).toBe(42);
  });
});
