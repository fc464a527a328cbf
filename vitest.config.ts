import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'scripts/**/*.test.ts'],
    environment: 'node',
    globalSetup: ['scripts/lib/vitest-global-setup.ts'],
    // The ReID kernels' relaxed-SIMD build (as in Chrome) needs a V8 flag in Node 20.
    setupFiles: ['scripts/lib/relaxed-simd.ts'],
    // Kernel tests compile WGSL on SwiftShader (CPU); the first pipeline takes seconds.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
