/** The probing vocabulary shared by the core, the worker, the CLI and the UI (plain data, no tensors). */

/** How one linear probe is trained (the official `linear.py`, scaled to a browser). */
export interface LinearProbeSettings {
  epochs: number;
  /** Peak Adam learning rate; a cosine schedule takes it to 0 over the epochs (stepped per epoch). */
  lr: number;
  batchSize: number;
  /**
   * Standardise each feature with the train split's mean and std. The official probe uses raw features
   * with 15 epochs at 4e-3; with fewer epochs, standardised features converge much faster.
   */
  standardize: boolean;
  /** Seeds the weight init and the mini-batch order. */
  seed: number;
}

export interface ProbeGridSettings {
  /** Integer DDPM timesteps in [0, 1000]; 0 is the clean image. */
  timesteps: number[];
  /** Tap names to probe, in the model's order; null for every tap. */
  taps: string[] | null;
  /** Images drawn from the train split (at most its size); the rest of the split is unused. */
  trainCount: number;
  testCount: number;
  /** Images per network evaluation while extracting features. */
  featureBatch: number;
  /** Seeds the noise of x_t and the choice of images. */
  seed: number;
  probe: LinearProbeSettings;
  /** Also a cosine kNN probe (k below) per cell. */
  knn: boolean;
  knnK: number;
  /** Also the raw-pixel linear (and kNN) probe, the baseline. */
  rawBaseline: boolean;
}

export const DEFAULT_TIMESTEPS: readonly number[] = [1, 11, 21, 51, 101, 201];

/**
 * The official probe runs 15 epochs of 50,000 images at batch 512 and lr 4e-3: ~1,500 Adam steps. With
 * 8,000 MNIST images at batch 128 an epoch is 63 steps, so 30 epochs at 1e-2 reach a similar count; on
 * 1,000 images 15 epochs at 2e-3 (120 steps) left the probe far from converged (66% vs 82%).
 */
export const DEFAULT_PROBE: LinearProbeSettings = {
  epochs: 30,
  lr: 1e-2,
  batchSize: 128,
  standardize: true,
  seed: 0,
};

export const DEFAULT_GRID: ProbeGridSettings = {
  timesteps: [...DEFAULT_TIMESTEPS],
  taps: null,
  trainCount: 8000,
  testCount: 2000,
  featureBatch: 32,
  seed: 0,
  probe: DEFAULT_PROBE,
  knn: true,
  knnK: 20,
  rawBaseline: true,
};

export interface EpochStats {
  epoch: number;
  lr: number;
  /** Mean cross-entropy over the epoch's mini-batches. */
  loss: number;
  /** Accuracy on the mini-batches as they were seen during the epoch. */
  trainAccuracy: number;
  testAccuracy: number;
}

export interface LinearProbeResult {
  testAccuracy: number;
  trainAccuracy: number;
  curve: EpochStats[];
  /** confusion[true][predicted] counts on the test split. */
  confusion: number[][];
  /** Predicted class of each test image. */
  predictions: Int32Array;
  ms: number;
}

export interface KnnResult {
  accuracy: number;
  predictions: Int32Array;
  k: number;
}

export type CellStatus = 'pending' | 'done' | 'failed' | 'cancelled';

export interface ProbeCell {
  t: number;
  tap: string;
  status: CellStatus;
  /** Feature width (channels of the tap). */
  dim: number;
  /** Linear-probe test accuracy in [0, 1]; null unless done. */
  accuracy: number | null;
  trainAccuracy: number | null;
  knnAccuracy: number | null;
  curve: EpochStats[];
  confusion: number[][] | null;
  /** Why the cell failed (NaN features, diverged probe). */
  error: string | null;
  /** Probe training time (linear + kNN). */
  ms: number;
}

export interface BaselineResult {
  dim: number;
  accuracy: number;
  trainAccuracy: number;
  knnAccuracy: number | null;
  curve: EpochStats[];
  confusion: number[][];
}

export interface ProbeGridResult {
  model: { name: string; arch: 'unet' | 'dit'; imageShape: [number, number, number] };
  dataset: { name: string; classNames: string[]; trainCount: number; testCount: number };
  settings: ProbeGridSettings;
  /** The tap names probed, in the model's order (rows of the heatmap). */
  taps: string[];
  timesteps: number[];
  /** One cell per (t, tap), t-major: cells[ti * taps.length + ki]. */
  cells: ProbeCell[];
  baseline: BaselineResult | null;
  /** 'cancelled': stopped early; done cells are kept, the others are marked 'cancelled'. */
  status: 'complete' | 'cancelled';
  /** Network evaluations: images pushed through the model while extracting features, and their time. */
  featureImages: number;
  featureMs: number;
  probeMs: number;
  totalMs: number;
  backend: string;
  createdAt: number;
}

export const cellAt = (r: Pick<ProbeGridResult, 'cells' | 'taps'>, ti: number, ki: number): ProbeCell =>
  r.cells[ti * r.taps.length + ki];

/** The done cell with the highest linear-probe accuracy (first one on ties), or null. */
export function bestCell(cells: readonly ProbeCell[]): ProbeCell | null {
  let best: ProbeCell | null = null;
  for (const c of cells) {
    if (c.status === 'done' && c.accuracy !== null && (best === null || c.accuracy > (best.accuracy ?? -1))) {
      best = c;
    }
  }
  return best;
}
