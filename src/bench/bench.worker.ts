/**
 * The bench page's worker: starts one backend (as the app's compute worker does) and times the denoise
 * step of each UNet case on it, then the ReID local distance. One worker per backend and thread-pool
 * setting, since tfjs fixes both at start-up.
 */
import * as Comlink from 'comlink';
import { benchReidLocal, REID_BENCH_CASE } from '../core/bench/reid-local';
import { benchUNetStep, UNET_BENCH_CASES } from '../core/bench/unet-step';
import { type BackendName, initBackend } from '../core/gpu/backend';
import { setGroupNormSimd } from '../core/gpu/kernels/group-norm-wasm';
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
  /** The ReID case: local-distance pairs per second (msPerStep is then the time of all 5M pairs). */
  pairsPerSecond?: number;
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
      // On wasm, GroupNorm on the SIMD kernel and on the TypeScript reference it replaced, side by side.
      const variants =
        req.backend === 'wasm'
          ? [
              // Both twice, interleaved: the first variant timed in a fresh worker also pays V8's tier-up.
              { name: 'SIMD GroupNorm (1)', before: () => setGroupNormSimd(true) },
              { name: 'JS GroupNorm (1)', before: () => setGroupNormSimd(false) },
              { name: 'SIMD GroupNorm (2)', before: () => setGroupNormSimd(true) },
              { name: 'JS GroupNorm (2)', before: () => setGroupNormSimd(false) },
            ]
          : undefined;
      const results = await benchUNetStep(c, variants);
      setGroupNormSimd(true);
      for (const r of results) {
        rows.push({
          op: 'UNet forward (one sampler step)',
          case: c.name,
          backend: info.name,
          runtime: 'chromium',
          threads: info.wasm?.threads ?? null,
          adapter,
          ...r,
          variant: req.backend === 'wasm' ? `${req.pool} pool, ${r.variant}` : r.variant,
        });
      }
    }
    if (!req.cases || req.cases.includes(REID_BENCH_CASE)) {
      await onCase(REID_BENCH_CASE);
      const r = await benchReidLocal();
      rows.push({
        op: 'ReID local distance (aligned + unaligned)',
        case: REID_BENCH_CASE,
        backend: info.name,
        runtime: 'chromium',
        threads: info.wasm?.threads ?? null,
        adapter,
        variant: req.backend === 'wasm' ? `${req.pool} pool, ${r.method}` : r.method,
        msPerStep: Math.round((5e6 / r.pairsPerSecond) * 1000),
        gflopPerStep: Number(((2 * 5e6 * 64 * 128) / 1e9).toFixed(1)),
        gflopsPerSecond: r.gflopsPerSecond,
        pairsPerSecond: r.pairsPerSecond,
      });
    }
    return rows;
  },
};

export type BenchWorkerApi = typeof api;
Comlink.expose(api);
