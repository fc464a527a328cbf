import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { initBackend, isBackendName, memoryStats } from './backend';

describe('backend start-up in Node', () => {
  it('falls back from a missing WebGPU to wasm and says why', async () => {
    const info = await initBackend({ preferred: 'webgpu', order: ['wasm', 'cpu'] });
    expect(info.name).toBe('wasm');
    expect(tf.getBackend()).toBe('wasm');
    expect(info.requested).toBe('webgpu');
    expect(info.skipped).toHaveLength(1);
    expect(info.skipped[0].name).toBe('webgpu');
    expect(info.skipped[0].reason).toMatch(/navigator\.gpu/);
    expect(info.adapter).toBeNull();
    expect(info.wasm?.threads).toBeGreaterThanOrEqual(1);
  });

  it('honours a preferred backend', async () => {
    const info = await initBackend({ preferred: 'cpu', order: ['wasm', 'cpu'] });
    expect(info.name).toBe('cpu');
    expect(info.skipped).toEqual([]);
  });

  it('reports memory figures that follow tensor creation', () => {
    const before = memoryStats().numTensors;
    const t = tf.ones([4, 4]);
    expect(memoryStats().numTensors).toBe(before + 1);
    t.dispose();
    expect(memoryStats().numTensors).toBe(before);
    expect(memoryStats().numBytesInGPU).toBeNull();
  });

  it('recognises backend names', () => {
    expect(['webgpu', 'webgl', 'wasm', 'cpu'].every(isBackendName)).toBe(true);
    expect(isBackendName('WebGPU')).toBe(false);
    expect(isBackendName(null)).toBe(false);
  });
});
