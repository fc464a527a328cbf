/** The tf-ops formulation (the benchmark's baseline) computes the same distances as the CPU reference. */
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { switchBackend } from '../../../scripts/lib/test-backends';
import { errorStats, randomStripes } from './distances.fixtures';
import { localDistanceValues } from './local-distance-reference';
import { localDistanceByTfOps } from './local-distance-tfops';
import { totalDistance } from './total-distance';

describe.each(['cpu', 'wasm'] as const)('local distance from tf ops on %s', (backend) => {
  it.each([
    [5, 7, 8, 128],
    [3, 4, 1, 16],
    [4, 3, 7, 5],
  ])('[%d, %d] images, H=%d, c=%d', async (nq, ng, h, c) => {
    await switchBackend(backend);
    const q = randomStripes(nq, h, c, 1, 0.5 / Math.sqrt(c));
    const g = randomStripes(ng, h, c, 2, 0.5 / Math.sqrt(c));
    const before = tf.memory().numTensors;
    const inputs = [tf.tensor3d(q.data, [nq, h, c]), tf.tensor3d(g.data, [ng, h, c])];
    const out = localDistanceByTfOps(inputs[0], inputs[1]);
    const stats = errorStats(await out.data(), localDistanceValues(q.data, nq, g.data, ng, h, c));
    tf.dispose([out, ...inputs]);
    expect(tf.memory().numTensors).toBe(before);
    // float32 ‖f‖² + ‖g‖² − 2f·g: looser than the kernels' 1e-5.
    expect(stats.relative, JSON.stringify(stats)).toBeLessThanOrEqual(1e-4);
  });
});

describe('total distance', () => {
  it('is global + lambda · local', () => {
    const global = { rows: 1, cols: 2, data: Float32Array.of(1, 2) };
    const local = { rows: 1, cols: 2, data: Float32Array.of(10, 20) };
    expect([...totalDistance(global, local).data]).toEqual([11, 22]);
    expect([...totalDistance(global, local, 0.5).data]).toEqual([6, 12]);
    expect(() => totalDistance(global, { rows: 2, cols: 1, data: local.data })).toThrow(/differ/);
  });
});
