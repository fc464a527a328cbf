export interface MnistManifest {
  version: number;
  sourceMtimeMs: number;
  count: number;
  trainCount: number;
  testCount: number;
  seed: number;
  images: string;
  labels: string;
}
export const MNIST_OUT_DIR: string;
export const MNIST_TRAIN_COUNT: number;
export const MNIST_SEED: number;
export function buildMnist(options?: { force?: boolean }): Promise<MnistManifest>;
