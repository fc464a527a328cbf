/**
 * The UNet's module tree, derived from a config exactly as the official `UNet.__init__` builds its
 * ModuleLists: one description drives both the parameter list (specs.ts) and the forward pass (unet.ts),
 * so names, shapes and wiring cannot drift apart.
 */
import type { UNetConfig } from './config';

/** A `ResidualBlock`; `resample` is set only inside DownsampleRes / UpsampleRes (`op`). */
export interface ResBlockPlan {
  readonly prefix: string;
  readonly inChannels: number;
  readonly outChannels: number;
  readonly resample: 'up' | 'down' | null;
}

export interface AttnPlan {
  readonly prefix: string;
  readonly channels: number;
  readonly heads: number;
  /** Channels per head (d_k); heads * headDim may be < channels when C is not a multiple of d_k. */
  readonly headDim: number;
}

export type StagePlan =
  /** `ResAttBlock`: in the decoder it first concatenates one skip; each is a feature tap (enc_k or out_k). */
  | {
      readonly kind: 'resatt';
      readonly res: ResBlockPlan;
      readonly attn: AttnPlan | null;
      readonly tap: string | null;
    }
  /** Plain `Downsample` (3x3 stride-2 conv) or `Upsample` (nearest x2 then 3x3 conv), under `.conv`. */
  | { readonly kind: 'conv-down' | 'conv-up'; readonly prefix: string; readonly channels: number }
  /** `DownsampleRes` / `UpsampleRes`: a resampling ResidualBlock under `.op`. */
  | { readonly kind: 'res-down' | 'res-up'; readonly op: ResBlockPlan };

export interface UNetPlan {
  readonly imageChannels: number;
  readonly baseChannels: number;
  /** 4 * n_channels: width of the time embedding MLP. */
  readonly timeChannels: number;
  readonly augmentDim: number;
  readonly down: readonly StagePlan[];
  readonly middle: { readonly res1: ResBlockPlan; readonly attn: AttnPlan; readonly res2: ResBlockPlan };
  readonly up: readonly StagePlan[];
  /** Channels at the top resolution, normalised by GroupNorm(8) before `final`. */
  readonly outChannels: number;
  /** Tap names in decoder order: out_1 (first block after the middle) ... out_N. */
  readonly taps: readonly string[];
  /** Optional extra taps in forward order: every encoder ResAttBlock (enc_1 ... enc_M), then `middle`. */
  readonly extraTaps: readonly string[];
  /** 2^(resolutions-1): input sides must be multiples of it. */
  readonly sizeFactor: number;
}

function attnPlan(prefix: string, channels: number, perHead: number | null): AttnPlan {
  const headDim = perHead ?? channels;
  return { prefix, channels, heads: Math.floor(channels / headDim), headDim };
}

const res = (
  prefix: string,
  inChannels: number,
  outChannels: number,
  resample: 'up' | 'down' | null = null,
) => ({
  prefix,
  inChannels,
  outChannels,
  resample,
});

/** Assumes a config that passed validateUNetConfig. */
export function buildUNetPlan(config: UNetConfig): UNetPlan {
  const { nChannels: base, chMults, isAttn, nBlocks, useResForUpdown, attnChannelsPerHead } = config;
  const timeChannels = base * 4;
  const n = chMults.length;
  const resatt = (
    prefix: string,
    cin: number,
    cout: number,
    attn: boolean,
    tap: string | null,
  ): StagePlan => ({
    kind: 'resatt',
    res: res(`${prefix}.res`, cin, cout),
    attn: attn ? attnPlan(`${prefix}.attn`, cout, attnChannelsPerHead) : null,
    tap,
  });

  const down: StagePlan[] = [];
  const extraTaps: string[] = [];
  const skips = [base]; // h_channels in the official code: the channel count of every saved skip
  let cin = base;
  let cout = base;
  for (let i = 0; i < n; i++) {
    cout = base * chMults[i];
    for (let b = 0; b < nBlocks; b++) {
      const tap = `enc_${extraTaps.length + 1}`;
      extraTaps.push(tap);
      down.push(resatt(`down.${down.length}`, b === 0 ? cin : cout, cout, isAttn[i], tap));
      skips.push(cout);
    }
    if (i < n - 1) {
      const prefix = `down.${down.length}`;
      down.push(
        useResForUpdown
          ? { kind: 'res-down', op: res(`${prefix}.op`, cout, cout, 'down') }
          : { kind: 'conv-down', prefix: `${prefix}.conv`, channels: cout },
      );
      skips.push(cout);
    }
    cin = cout;
  }

  const middle = {
    res1: res('middle.res1', cout, cout),
    attn: attnPlan('middle.attn', cout, attnChannelsPerHead),
    res2: res('middle.res2', cout, cout),
  };

  const up: StagePlan[] = [];
  const taps: string[] = [];
  cin = cout;
  for (let i = n - 1; i >= 0; i--) {
    cout = base * chMults[i];
    for (let b = 0; b <= nBlocks; b++) {
      const skip = skips.pop();
      if (skip === undefined) throw new Error('buildUNetPlan: ran out of skip connections');
      const tap = `out_${taps.length + 1}`;
      taps.push(tap);
      up.push(resatt(`up.${up.length}`, cin + skip, cout, isAttn[i], tap));
      cin = cout;
    }
    if (i > 0) {
      const prefix = `up.${up.length}`;
      up.push(
        useResForUpdown
          ? { kind: 'res-up', op: res(`${prefix}.op`, cout, cout, 'up') }
          : { kind: 'conv-up', prefix: `${prefix}.conv`, channels: cout },
      );
    }
  }
  extraTaps.push('middle');
  if (skips.length !== 0) throw new Error('buildUNetPlan: unused skip connections');

  return {
    imageChannels: config.imageShape[0],
    baseChannels: base,
    timeChannels,
    augmentDim: config.augmentDim ?? 0,
    down,
    middle,
    up,
    outChannels: cout,
    taps,
    extraTaps,
    sizeFactor: 2 ** (n - 1),
  };
}
