/**
 * `bench.html`: the denoise-step benchmark in the browser, driven by `npm run bench -- --suites browser`
 * (or opened by hand). Query: ?backends=wasm,webgpu&pools=tfjs,per-core&cases=cifar-35.7M-unet%20b1
 * The result lands in `window.benchResult` and on the page as JSON.
 */
import * as Comlink from 'comlink';
import type { BackendName } from '../core/gpu/backend';
import type { BenchWorkerApi, BrowserBenchRequest, BrowserBenchRow } from './bench.worker';

declare global {
  interface Window {
    benchResult?: { ok: true; rows: BrowserBenchRow[]; userAgent: string } | { ok: false; error: string };
  }
}

const out = document.getElementById('log') as HTMLPreElement;
const log = (line: string) => {
  out.textContent += `${line}\n`;
};

async function main(): Promise<void> {
  const q = new URLSearchParams(location.search);
  const backends = (q.get('backends') ?? 'wasm').split(',') as BackendName[];
  const pools = (q.get('pools') ?? 'tfjs,per-core').split(',') as BrowserBenchRequest['pool'][];
  const cases = q.get('cases') ? (q.get('cases') as string).split(',') : null;
  log(`crossOriginIsolated ${self.crossOriginIsolated}, ${navigator.hardwareConcurrency} cores`);
  const rows: BrowserBenchRow[] = [];
  for (const backend of backends) {
    for (const pool of backend === 'wasm' ? pools : (['tfjs'] as const)) {
      const worker = new Worker(new URL('./bench.worker.ts', import.meta.url), { type: 'module' });
      const api = Comlink.wrap<BenchWorkerApi>(worker);
      try {
        const got = await api.run(
          { backend, cases, pool },
          Comlink.proxy((name: string) => log(`${backend} (${pool} pool): ${name}`)),
        );
        for (const r of got)
          log(
            r.pairsPerSecond !== undefined
              ? `  ${r.case}: ${(r.pairsPerSecond / 1e6).toFixed(3)} M pairs/s, ${r.gflopsPerSecond} GFLOP/s, ${r.threads ?? '-'} threads`
              : `  ${r.case}: ${r.msPerStep} ms/step, ${r.gflopsPerSecond} GFLOP/s, ${r.threads ?? '-'} threads`,
          );
        rows.push(...got);
      } finally {
        worker.terminate();
      }
    }
  }
  window.benchResult = { ok: true, rows, userAgent: navigator.userAgent };
  log('done');
}

main().catch((e: unknown) => {
  const error = e instanceof Error ? e.message : String(e);
  log(`failed: ${error}`);
  window.benchResult = { ok: false, error };
});
