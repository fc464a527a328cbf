/** Types of the Retrieval panel's worker calls (the UI imports only these). */

/** The distance a ranking is sorted by: global, aligned local, unaligned local, total = global + λ·local. */
export type RetrievalDistance = 'global' | 'local' | 'unaligned' | 'total';

export const RETRIEVAL_DISTANCES: readonly RetrievalDistance[] = ['global', 'local', 'unaligned', 'total'];

/** A distance as it is, or after k-reciprocal re-ranking (`-rr`). */
export type RetrievalMode = RetrievalDistance | `${RetrievalDistance}-rr`;

export const retrievalMode = (distance: RetrievalDistance, reranked: boolean): RetrievalMode =>
  reranked ? `${distance}-rr` : distance;

export const modeDistance = (mode: RetrievalMode): RetrievalDistance =>
  mode.replace(/-rr$/, '') as RetrievalDistance;

export const isReranked = (mode: RetrievalMode): boolean => mode.endsWith('-rr');

/** Every mode, the plain distances first. */
export const RETRIEVAL_MODES: readonly RetrievalMode[] = [
  ...RETRIEVAL_DISTANCES,
  ...RETRIEVAL_DISTANCES.map((d) => retrievalMode(d, true)),
];

export interface RetrievalFile {
  /** File name, e.g. "0002_c3_01.png" (Market-style names give the identity and camera). */
  path: string;
  bytes: Uint8Array;
}

export interface RetrievalRequest {
  /** The gallery: the synthetic test gallery (a subset) or uploaded images. */
  gallery: 'synthetic' | 'upload';
  /** The queries: synthetic queries (a subset) or uploaded images. */
  query: 'synthetic' | 'upload';
  /** How many test identities of the synthetic split to use (their queries, gallery images, and a share of distractors). */
  syntheticIds: number;
  galleryFiles: RetrievalFile[];
  queryFiles: RetrievalFile[];
  /** Weight of the local distance in the total distance (default 1). */
  lambda?: number;
}

export interface RetrievalItemInfo {
  /** Display name: file name, or "id 12 · cam 3". */
  name: string;
  /** Identity (> 0 a person, 0 a distractor, -1 junk) or null when unknown. */
  pid: number | null;
  camId: number | null;
}

export interface RetrievalMetrics {
  mode: RetrievalMode;
  rank1: number;
  rank5: number;
  rank10: number;
  mAP: number;
  validQueries: number;
}

export interface RetrievalSummary {
  queries: RetrievalItemInfo[];
  /** uint8 NHWC [queries, height, width, 3]. */
  queryPixels: Uint8Array;
  galleryCount: number;
  height: number;
  width: number;
  stripes: number;
  /** Files that could not be used, each with its reason. */
  problems: string[];
  /** Whether correctness and metrics are known (both sides labelled). */
  labelled: boolean;
  metrics: RetrievalMetrics[];
  /** Milliseconds spent embedding the gallery and the queries, and computing all distances. */
  embedGalleryMs: number;
  embedQueryMs: number;
  distanceMs: number;
  /** How the local distances were computed (`localDistancePathName`), e.g. 'fused SIMD kernel, relaxed SIMD'. */
  distancePath: string;
  backend: string;
}

export interface RankedItem {
  gallery: number;
  rank: number;
  distance: number;
  info: RetrievalItemInfo;
  /** true: same identity; false: another; null: unknown. `ignored`: same identity and camera, or junk. */
  correct: boolean | null;
  ignored: boolean;
}

export interface RankingPage {
  query: number;
  mode: RetrievalMode;
  offset: number;
  items: RankedItem[];
  /** uint8 NHWC of the items' images. */
  pixels: Uint8Array;
  total: number;
}

export interface PairView {
  query: number;
  gallery: number;
  queryInfo: RetrievalItemInfo;
  galleryInfo: RetrievalItemInfo;
  /** uint8 HWC of each image. */
  queryPixels: Uint8Array;
  galleryPixels: Uint8Array;
  height: number;
  width: number;
  stripes: number;
  /** H×H stripe distances, row = query stripe. */
  matrix: Float32Array;
  path: [number, number][];
  global: number;
  local: number;
  unaligned: number;
  total: number;
  lambda: number;
}

export interface RankingExportRow {
  query: string;
  queryPid: number | null;
  rank: number;
  gallery: string;
  galleryIndex: number;
  galleryPid: number | null;
  distance: number;
  correct: boolean | null;
}
