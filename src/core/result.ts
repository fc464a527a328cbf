/**
 * Parsers return a Result instead of throwing, so hostile bytes can never crash a caller:
 * every failure carries a message that says what was wrong and, where possible, what to do.
 */
export type Result<T> = { ok: true; value: T } | { ok: false; error: string };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const err = <T = never>(error: string): Result<T> => ({ ok: false, error });

/** Unwraps a Result, throwing an Error with the parser's message (for call sites that want exceptions). */
export function unwrap<T>(r: Result<T>, context?: string): T {
  if (r.ok) return r.value;
  throw new Error(context ? `${context}: ${r.error}` : r.error);
}
