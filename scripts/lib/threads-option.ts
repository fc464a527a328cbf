/**
 * `--threads` for the CLIs that spread work over worker threads (train, evaluate, probe): default one per
 * core on wasm (each thread runs its own tfjs-wasm) and one elsewhere.
 */
import { availableParallelism } from 'node:os';
import { err, ok, type Result } from '../../src/core/result';

/** The thread count `--threads value` asks for on `backend`, or why it cannot be used. */
export function threadsOption(
  value: string | undefined,
  backend: string,
  threadKind: string,
): Result<number> {
  if (value === undefined) return ok(backend === 'wasm' ? availableParallelism() : 1);
  const threads = Number(value);
  if (!Number.isInteger(threads) || threads < 1)
    return err(`--threads must be a whole number >= 1, got ${value}`);
  if (threads > 1 && backend !== 'wasm') {
    return err(`--threads above 1 needs --backend wasm (${threadKind} threads run tfjs-wasm)`);
  }
  return ok(threads);
}
