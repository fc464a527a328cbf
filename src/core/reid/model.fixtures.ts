/** Small ReID models and inputs for tests: a few channels and 4 stripes run fast on the cpu backend. */
import { DEFAULT_REID_CONFIG, type ReidModelConfig } from './model-config';

export const TINY_REID: ReidModelConfig = {
  ...DEFAULT_REID_CONFIG,
  inputSize: [32, 16],
  stemChannels: 4,
  stages: [
    { channels: 4, blocks: 1, stride: 1 },
    { channels: 8, blocks: 1, stride: 2 },
    { channels: 8, blocks: 1, stride: 2 },
  ],
  localChannels: 6,
  numClasses: 5,
};

/** `n` deterministic RGB images of h x w (a fixed byte pattern, different per seed). */
export const testImages = (n: number, h: number, w: number, seed = 1): Uint8Array =>
  Uint8Array.from({ length: n * h * w * 3 }, (_, i) => (i * 7919 + seed * 104729) % 251);
