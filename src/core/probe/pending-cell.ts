import type { ProbeCell } from './types';

/** A grid cell not yet probed: the grid's starting state, in the worker and in the panel's store alike. */
export const pendingCell = (t: number, tap: string): ProbeCell => ({
  t,
  tap,
  status: 'pending',
  dim: 0,
  accuracy: null,
  trainAccuracy: null,
  knnAccuracy: null,
  curve: [],
  confusion: null,
  error: null,
  ms: 0,
});
