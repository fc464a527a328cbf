import { describe, expect, it } from 'vitest';
import { DDPM_CIFAR10_35M, MNIST_TINY_GOLDEN, type UNetConfig } from './config';
import { unetFlops } from './flops';

describe('UNet FLOP count', () => {
  it('matches a count done by hand for a one-level UNet with attention', () => {
    const config: UNetConfig = {
      imageShape: [1, 4, 4],
      nChannels: 32,
      chMults: [1],
      isAttn: [true],
      attnChannelsPerHead: null,
      nBlocks: 1,
      useResForUpdown: false,
      dropout: 0,
      augmentDim: 0,
    };
    // time MLP 8192 + 32768, image_proj 9216; down.0 res 598016 + attn 163840; middle 598016 + 163840 +
    // 598016; up.0 and up.1 (64 -> 32 with a 1x1 shortcut) 958464 + 163840 each; final 9216.
    expect(unetFlops(config)).toBe(4_425_728);
  });

  it('gives the official 35.7M CIFAR-10 UNet about 12 GFLOP per image', () => {
    const flops = unetFlops(DDPM_CIFAR10_35M);
    console.info(
      `35.7M UNet: ${(flops / 1e9).toFixed(2)} GFLOP per image; golden tiny: ${(unetFlops(MNIST_TINY_GOLDEN) / 1e9).toFixed(3)}`,
    );
    expect(flops / 1e9).toBeGreaterThan(10);
    expect(flops / 1e9).toBeLessThan(14);
  });
});
