/**
 * tfjs-backend-wasm 4.22 sizes its pthread pool as min(4, hardwareConcurrency / 2), assuming two logical
 * cores per physical core, and XNNPACK cannot use more threads than that pool holds. On a 2-core machine
 * that is one thread, however many we ask for with setThreadsCount. This worker is the only thing that
 * computes (the UI thread stays idle), so it reports twice the cores to the pool-size expression: one pool
 * thread per logical core, still capped at 4 by tfjs. Must run before the wasm backend initialises.
 */
export function oneWasmThreadPerCore(): void {
  const nav = (globalThis as { navigator?: Navigator }).navigator;
  const cores = nav?.hardwareConcurrency;
  if (!nav || !cores || !(globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated) return;
  try {
    Object.defineProperty(nav, 'hardwareConcurrency', { value: 2 * cores, configurable: true });
  } catch {
    // A browser that refuses keeps tfjs' own pool size.
  }
}
