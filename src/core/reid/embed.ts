/**
 * Images -> AlignedReID features, in evaluation mode (BN running statistics), batch by batch: the global
 * feature per image and its H stripe features, as the flat arrays the distance functions take.
 */

import * as tf from '@tensorflow/tfjs';
import { yieldToEventLoop } from '../job';
import { type GlobalFeatures, globalFeatures, type StripeFeatures, stripeFeatures } from './features';
import { preprocess, type ReidModel } from './model';

export interface ReidFeatures {
  global: GlobalFeatures;
  local: StripeFeatures;
}

export interface EmbedOptions {
  batchSize?: number;
  /** Called after each batch with the number of images done. */
  onProgress?: (done: number, total: number) => void;
}

/** Features of `count` uint8 RGB NHWC images of the model's input size. */
export async function embedImages(
  model: ReidModel,
  images: Uint8Array,
  count: number,
  options: EmbedOptions = {},
): Promise<ReidFeatures> {
  const [h, w] = model.config.inputSize;
  const size = h * w * 3;
  if (images.length !== count * size) {
    throw new Error(`embedImages: ${images.length} bytes are not ${count} images of ${h}x${w}x3`);
  }
  const [stripes, , dims] = model.mapShape;
  const channels = model.config.localChannels;
  const g = new Float32Array(count * dims);
  const l = new Float32Array(count * stripes * channels);
  const batch = options.batchSize ?? 64;
  for (let start = 0; start < count; start += batch) {
    const n = Math.min(batch, count - start);
    const x = preprocess(model.config, images.subarray(start * size, (start + n) * size), n);
    const out = model.forward(x);
    // `await data()` rather than dataSync: WebGPU's synchronous read returns zeros in some browsers.
    const [gv, lv] = await Promise.all([out.global.data(), out.local.data()]);
    g.set(gv as Float32Array, start * dims);
    l.set(lv as Float32Array, start * stripes * channels);
    tf.dispose([x, out.global, out.local]);
    out.logits?.dispose();
    options.onProgress?.(start + n, count);
    // wasm's reads resolve as microtasks: without a macrotask turn a worker never sees a cancel message.
    await yieldToEventLoop();
  }
  return { global: globalFeatures(g, count, dims), local: stripeFeatures(l, count, stripes, channels) };
}
