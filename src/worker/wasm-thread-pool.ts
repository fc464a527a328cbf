/**
 * tfjs-backend-wasm 4.22 sizes its pthread pool as min(4, hardwareConcurrency / 2), assuming two logical
 * cores per physical core, and XNNPACK cannot use more threads than that pool holds. On a 2-core machine
 * that is one thread, however many we ask for with setThreadsCount. This worker is the only thing that
 * computes (the UI thread stays idle), so it reports twice the cores to the pool-size expression: one pool
 * thread per logical core, still capped at 4 by tfjs. Must run before the wasm backend initialises.
 */
const nav = (globalThis as { navigator?: Navigator }).navigator;
/** The real core count, read before oneWasmThreadPerCore() changes what navigator reports. */
const cores = nav?.hardwareConcurrency;
const isolated = Boolean((globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated);

/** Threads to ask of wasm: one per core up to tfjs' cap of 4; none without cross-origin isolation. */
export const wasmThreadCount = (): number | undefined => (isolated ? Math.min(4, cores || 2) : undefined);

export function oneWasmThreadPerCore(): void {
  if (!nav || !cores || !isolated) return;
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * cores, configurable: true });
  } catch {
    // A browser that refuses keeps tfjs' own pool size.
  }
}
