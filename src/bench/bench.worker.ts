/**
 * The bench page's worker: starts one backend (as the app's compute worker does) and times the denoise
 * step of each UNet case on it. One worker per backend and thread-pool setting, since tfjs fixes both at
 * start-up.
 */
import * as Comlink from 'comlink';
import { benchUNetStep, UNET_BENCH_CASES } from '../core/bench/unet-step';
import { type BackendName, initBackend } from '../core/gpu/backend';
import '../core/gpu/kernels/matmul-wasm';
import { WASM_PATHS } from '../worker/wasm-paths';
import { oneWasmThreadPerCore, wasmThreadCount } from '../worker/wasm-thread-pool';

export interface BrowserBenchRequest {
  backend: BackendName;
  /** Case names to run (default: every case for this backend). */
  cases: string[] | null;
  /** 'tfjs': tfjs' own pthread pool size; 'per-core': one pool thread per core, as the app runs. */
  pool: 'tfjs' | 'per-core';
}

export interface BrowserBenchRow {
  op: string;
  case: string;
  backend: string;
  runtime: 'chromium';
  threads: number | null;
  adapter: string | null;
  variant: string;
  msPerStep: number;
  gflopPerStep: number;
  gflopsPerSecond: number;
}

const api = {
  async run(req: BrowserBenchRequest, onCase: (name: string) => void): Promise<BrowserBenchRow[]> {
    if (req.pool === 'per-core') oneWasmThreadPerCore();
    const info = await initBackend({
      preferred: req.backend,
      order: [req.backend],
      wasmPaths: WASM_PATHS,
      wasmThreads: wasmThreadCount(),
    });
    const adapter = info.adapter ? `${info.adapter.vendor}/${info.adapter.architecture}` : null;
    const rows: BrowserBenchRow[] = [];
    for (const c of UNET_BENCH_CASES) {
      if (!c.backends.includes(req.backend) || (req.cases && !req.cases.includes(c.name))) continue;
      await onCase(c.name);
      for (const r of await benchUNetStep(c)) {
        rows.push({
          op: 'UNet forward (one sampler step)',
          case: c.name,
          backend: info.name,
          runtime: 'chromium',
          threads: info.wasm?.threads ?? null,
          adapter,
          ...r,
          variant: req.backend === 'wasm' ? `${req.pool} pool` : r.variant,
        });
      }
    }
    return rows;
  },
};

export type BenchWorkerApi = typeof api;
Comlink.expose(api);
