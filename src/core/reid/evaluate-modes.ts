/**
 * The evaluation table of the AlignedReID reproductions: CMC and mAP for the global distance, the unaligned
 * local distance (diagonal sum), the aligned local distance (shortest path), and the fused global + aligned
 * (and global + unaligned) distances, each with and without k-reciprocal re-ranking. Local distances run
 * tiled on the active backend (the WGSL kernel on webgpu, matMul + host DP elsewhere), global distances and
 * re-ranking on the CPU.
 */
import type { ReidFeatures } from './embed';
import { evaluateRanking, type ReidLabels } from './evaluate';
import type { DistanceMatrix } from './features';
import { globalDistance } from './global-distance';
import { computeLocalDistances } from './local-distance-tiled';
import { RERANK_DEFAULTS, reRank } from './re-ranking';
import { totalDistance } from './total-distance';

export type DistanceMode =
  | 'global'
  | 'local-unaligned'
  | 'local-aligned'
  | 'global+unaligned'
  | 'global+aligned';

export const DISTANCE_MODES: readonly DistanceMode[] = [
  'global',
  'local-unaligned',
  'local-aligned',
  'global+unaligned',
  'global+aligned',
];

export interface ModeResult {
  mode: DistanceMode;
  reranked: boolean;
  rank1: number;
  rank5: number;
  rank10: number;
  mAP: number;
  mINP: number;
  validQueries: number;
}

export interface ModeDistances {
  qg: DistanceMatrix;
  qq: DistanceMatrix;
  gg: DistanceMatrix;
}

export interface EvaluateModesOptions {
  rerank?: boolean;
  /** L2-normalise global features before the Euclidean distance (default false, as in training). */
  normalizeGlobal?: boolean;
  /** Weight of the local distance in the fused distances (default 1). */
  lambda?: number;
  modes?: readonly DistanceMode[];
  /** Called before each stage, for progress reports. */
  onStage?: (stage: string) => void;
}

/** q-g, q-q and g-g distances of every mode (q-q and g-g only when re-ranking needs them). */
export async function modeDistances(
  query: ReidFeatures,
  gallery: ReidFeatures,
  options: EvaluateModesOptions = {},
): Promise<Map<DistanceMode, ModeDistances>> {
  const rerank = options.rerank ?? true;
  const lambda = options.lambda ?? 1;
  const globalOpts = { normalize: options.normalizeGlobal ?? false };
  const empty = { rows: 0, cols: 0, data: new Float32Array(0) };
  const pairs = async (a: ReidFeatures, b: ReidFeatures, what: string) => {
    options.onStage?.(`distances ${what}`);
    const local = await computeLocalDistances(a.local, b.local);
    return { global: globalDistance(a.global, b.global, globalOpts), ...local };
  };
  const qg = await pairs(query, gallery, 'query x gallery');
  const qq = rerank ? await pairs(query, query, 'query x query') : null;
  const gg = rerank ? await pairs(gallery, gallery, 'gallery x gallery') : null;
  type Parts = NonNullable<typeof qq>;
  const pick = (p: Parts | null, mode: DistanceMode): DistanceMatrix => {
    if (!p) return empty;
    switch (mode) {
      case 'global':
        return p.global;
      case 'local-unaligned':
        return p.unaligned;
      case 'local-aligned':
        return p.aligned;
      case 'global+unaligned':
        return totalDistance(p.global, p.unaligned, lambda);
      case 'global+aligned':
        return totalDistance(p.global, p.aligned, lambda);
    }
  };
  const out = new Map<DistanceMode, ModeDistances>();
  for (const mode of options.modes ?? DISTANCE_MODES) {
    out.set(mode, { qg: pick(qg, mode), qq: pick(qq, mode), gg: pick(gg, mode) });
  }
  return out;
}

/** One row per mode (and per re-ranking setting), in DISTANCE_MODES order. */
export async function evaluateModes(
  query: ReidFeatures,
  gallery: ReidFeatures,
  queryLabels: ReidLabels,
  galleryLabels: ReidLabels,
  options: EvaluateModesOptions = {},
): Promise<ModeResult[]> {
  const rerank = options.rerank ?? true;
  const distances = await modeDistances(query, gallery, options);
  const rows: ModeResult[] = [];
  const row = (mode: DistanceMode, reranked: boolean, d: DistanceMatrix): ModeResult => {
    const r = evaluateRanking(d.data, queryLabels, galleryLabels);
    const { rank1, rank5, rank10, mAP, mINP, validQueries } = r;
    return { mode, reranked, rank1, rank5, rank10, mAP, mINP, validQueries };
  };
  for (const [mode, d] of distances) {
    rows.push(row(mode, false, d.qg));
    if (rerank) {
      options.onStage?.(`re-ranking ${mode}`);
      rows.push(row(mode, true, reRank(d.qg, d.qq, d.gg, RERANK_DEFAULTS)));
    }
  }
  return rows;
}

const pct = (x: number): string => (100 * x).toFixed(1);

/** A markdown table of the rows: one line per mode, the re-ranked figures beside the plain ones. */
export function modeTable(rows: readonly ModeResult[]): string {
  const modes = [...new Set(rows.map((r) => r.mode))];
  const anyRerank = rows.some((r) => r.reranked);
  const head = anyRerank
    ? '| distance | R1 | R5 | R10 | mAP | R1 (RK) | R5 (RK) | R10 (RK) | mAP (RK) |\n|---|---|---|---|---|---|---|---|---|'
    : '| distance | R1 | R5 | R10 | mAP |\n|---|---|---|---|---|';
  const lines = modes.map((mode) => {
    const cells = (r: ModeResult | undefined) =>
      r ? [pct(r.rank1), pct(r.rank5), pct(r.rank10), pct(r.mAP)] : ['-', '-', '-', '-'];
    const plain = rows.find((r) => r.mode === mode && !r.reranked);
    const rk = rows.find((r) => r.mode === mode && r.reranked);
    return `| ${mode} | ${[...cells(plain), ...(anyRerank ? cells(rk) : [])].join(' | ')} |`;
  });
  return [head, ...lines].join('\n');
}
