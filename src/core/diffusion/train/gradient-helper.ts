/**
 * Data-parallel training on CPU backends: tfjs runs wasm on one thread (in Node, and in browsers without
 * cross-origin isolation), so a training step can hand slices of its batch to helpers, each another thread
 * with its own tfjs and its own copy of the network. A helper gets the current weights and a slice and
 * returns that slice's mean loss and gradients; the trainer averages them, weighted by slice size, then
 * clips and applies Adam as for one batch. This module is the protocol and the helper's side; the Node
 * threads are in `scripts/lib/gradient-threads.ts`.
 */
import * as tf from '@tensorflow/tfjs';
import { checkpointConfigFromJson } from '../../io/checkpoint-config';
import { createFromConfig } from '../../io/denoiser-from-checkpoint';
import type { Denoiser } from '../denoiser';
import { cachedSchedule } from '../schedule';
import { type BatchPart, partGradients } from './batch-gradients';

export interface GradientResult {
  /** The slice's mean loss. */
  loss: number;
  /** Gradients of that mean loss by official parameter name, in tfjs layouts. */
  grads: Record<string, Float32Array>;
}

/** Another thread computing gradients for slices of a batch. */
export interface GradientHelper {
  compute(weights: Record<string, Float32Array>, part: BatchPart): Promise<GradientResult>;
  close(): Promise<void>;
}

export type GradientRequest =
  | { kind: 'init'; configJson: Record<string, unknown> }
  | { kind: 'step'; weights: Record<string, Float32Array>; part: BatchPart };

export type GradientReply =
  | { kind: 'ready' }
  | ({ kind: 'grads' } & GradientResult)
  | { kind: 'error'; message: string };

/**
 * The helper's side: builds its network from the run's config on 'init', then answers each 'step' with
 * the slice's loss and gradients. Requests are handled one at a time, in order.
 */
export function gradientRequestHandler(
  backendReady: Promise<void>,
  reply: (message: GradientReply, transfer: ArrayBuffer[]) => void,
): (request: GradientRequest) => void {
  let model: Denoiser | null = null;
  let queue = backendReady;
  const handle = async (request: GradientRequest): Promise<void> => {
    if (request.kind === 'init') {
      const config = checkpointConfigFromJson(request.configJson);
      const made = config.ok ? createFromConfig(config.value) : config;
      if (!made.ok) throw new Error(made.error);
      model?.dispose();
      model = made.value.model;
      reply({ kind: 'ready' }, []);
      return;
    }
    if (!model) throw new Error('gradient helper: a step arrived before the network was set up');
    const trainable = new Map([...model.params].filter(([, v]) => v.trainable));
    tf.tidy(() => {
      for (const [name, v] of trainable) {
        const w = request.weights[name];
        if (!w) throw new Error(`gradient helper: no weights for "${name}"`);
        v.assign(tf.tensor(w, v.shape, 'float32'));
      }
    });
    const { loss, grads } = partGradients(model, cachedSchedule('DDPM'), request.part, trainable);
    try {
      const out: Record<string, Float32Array> = {};
      for (const [name, g] of Object.entries(grads)) out[name] = (await g.data()) as Float32Array;
      const lossValue = (await loss.data())[0];
      reply(
        { kind: 'grads', loss: lossValue, grads: out },
        Object.values(out).map((a) => a.buffer as ArrayBuffer),
      );
    } finally {
      loss.dispose();
      for (const g of Object.values(grads)) g.dispose();
    }
  };
  return (request) => {
    queue = queue
      .then(() => handle(request))
      .catch((e: unknown) => reply({ kind: 'error', message: (e as Error).message ?? String(e) }, []));
  };
}

/**
 * A GradientHelper over any message channel (a Node worker thread, a Web Worker): one request in flight at
 * a time, as the trainer uses it.
 */
export class ChannelGradientHelper implements GradientHelper {
  private waiting: { resolve: (r: GradientReply) => void; reject: (e: Error) => void } | null = null;

  private constructor(
    private readonly channel: {
      post(request: GradientRequest): void;
      terminate(): Promise<void>;
    },
  ) {}

  /** Sets the helper up for the run whose config is `configJson`; resolves once it is ready. */
  static async start(
    channel: {
      post(request: GradientRequest): void;
      listen(onReply: (r: GradientReply) => void, onError: (e: Error) => void): void;
      terminate(): Promise<void>;
    },
    configJson: Record<string, unknown>,
  ): Promise<ChannelGradientHelper> {
    const helper = new ChannelGradientHelper(channel);
    channel.listen(
      (r) => helper.settle((w) => w.resolve(r)),
      (e) => helper.settle((w) => w.reject(e)),
    );
    const reply = await helper.request({ kind: 'init', configJson });
    if (reply.kind === 'error') {
      await channel.terminate();
      throw new Error(`A gradient helper could not start: ${reply.message}`);
    }
    return helper;
  }

  private settle(how: (w: NonNullable<ChannelGradientHelper['waiting']>) => void): void {
    const w = this.waiting;
    this.waiting = null;
    if (w) how(w);
  }

  private request(request: GradientRequest): Promise<GradientReply> {
    if (this.waiting) return Promise.reject(new Error('gradient helper: one request at a time'));
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.channel.post(request);
    });
  }

  async compute(weights: Record<string, Float32Array>, part: BatchPart): Promise<GradientResult> {
    const reply = await this.request({ kind: 'step', weights, part });
    if (reply.kind === 'grads') return { loss: reply.loss, grads: reply.grads };
    throw new Error(
      `A gradient helper failed: ${reply.kind === 'error' ? reply.message : 'it sent no gradients'}`,
    );
  }

  close(): Promise<void> {
    this.settle((w) => w.reject(new Error('gradient helper closed')));
    return this.channel.terminate();
  }
}
