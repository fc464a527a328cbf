import { afterEach, describe, expect, it, vi } from 'vitest';

// The worker's answers, released by the test in the order it chooses.
const pending = new Map<string, (taps: { names: string[]; defaults: string[] }) => void>();
vi.mock('../ui/compute-client', () => ({
  compute: () => ({
    probeTaps: (modelId: string) => new Promise((resolve) => pending.set(modelId, resolve)),
  }),
}));

const { useProbingStore } = await import('./probing-store');

afterEach(() => pending.clear());

describe('probing store: taps', () => {
  it('keeps the taps of the model chosen last when an earlier model answers later', async () => {
    const { refreshTaps } = useProbingStore.getState();
    const shipped = refreshTaps('shipped:unet'); // slow: still fetching when a checkpoint is imported
    const imported = refreshTaps('imported');
    pending.get('imported')?.({ names: ['out_1', 'out_2'], defaults: ['out_1'] });
    await imported;
    pending.get('shipped:unet')?.({ names: ['out_1', 'out_2', 'out_3'], defaults: ['out_3'] });
    await shipped;
    expect(useProbingStore.getState().taps).toEqual({
      modelId: 'imported',
      names: ['out_1', 'out_2'],
      defaults: ['out_1'],
    });
  });

  it('takes an answer that is still wanted', async () => {
    const { refreshTaps } = useProbingStore.getState();
    const one = refreshTaps('dit');
    pending.get('dit')?.({ names: ['layer-0'], defaults: ['layer-0'] });
    await one;
    expect(useProbingStore.getState().taps?.modelId).toBe('dit');
  });
});
