/**
 * The small CNN that scores generated MNIST-like images (a "classifier-FID", as Inception is for natural
 * images): conv3x3(32)-ReLU-avgpool, conv3x3(64)-ReLU-avgpool, dense(128)-ReLU = the features, dense(classes).
 * Inputs are NHWC in [0, 1].
 */
import * as tf from '@tensorflow/tfjs';
import { isRecord } from '../diffusion/config-checks';
import { parseSafetensors, writeSafetensors } from '../io/safetensors';
import { err, ok, type Result } from '../result';

export interface ClassifierConfig {
  imageShape: [number, number, number];
  classes: number;
  /** Penultimate (feature) width. */
  featureDim: number;
  classNames: string[];
}

export interface ClassifierOutput {
  logits: tf.Tensor2D;
  /** The penultimate activations: what the Fréchet distance compares. */
  features: tf.Tensor2D;
}

function paramShapes(c: ClassifierConfig): [string, number[]][] {
  const [ch, h, w] = c.imageShape;
  const flat = Math.floor(h / 4) * Math.floor(w / 4) * 64;
  return [
    ['conv1.weight', [3, 3, ch, 32]],
    ['conv1.bias', [32]],
    ['conv2.weight', [3, 3, 32, 64]],
    ['conv2.bias', [64]],
    ['fc1.weight', [flat, c.featureDim]],
    ['fc1.bias', [c.featureDim]],
    ['fc2.weight', [c.featureDim, c.classes]],
    ['fc2.bias', [c.classes]],
  ];
}

/**
 * 2x2 average pooling as reshape + mean: its gradient is a broadcast, where wasm's pooling gradients are slow
 * scalar loops (and max pooling's mask needs a rank-6 Equal that wasm runs slower still). Odd trailing
 * rows/columns are dropped, as 'valid' pooling does.
 */
function avgPool2x2(x: tf.Tensor4D): tf.Tensor4D {
  const [b, h, w, c] = x.shape;
  const h2 = Math.floor(h / 2);
  const w2 = Math.floor(w / 2);
  const even = h % 2 || w % 2 ? tf.slice(x, [0, 0, 0, 0], [b, 2 * h2, 2 * w2, c]) : x;
  return tf.mean(tf.reshape(even, [b, h2, 2, w2, 2, c]), [2, 4]) as tf.Tensor4D;
}

export class ImageClassifier {
  readonly params = new Map<string, tf.Variable>();

  constructor(
    readonly config: ClassifierConfig,
    seed = 0,
  ) {
    for (const [name, shape] of paramShapes(config)) {
      const fanIn = shape.length === 4 ? shape[0] * shape[1] * shape[2] : shape[0];
      // He initialisation for the ReLU layers; biases start at 0.
      const init = name.endsWith('bias')
        ? tf.zeros(shape)
        : tf.randomNormal(shape, 0, Math.sqrt(2 / fanIn), 'float32', seed + this.params.size);
      this.params.set(name, tf.variable(init, true));
      init.dispose();
    }
  }

  private p(name: string): tf.Variable {
    const v = this.params.get(name);
    if (!v) throw new Error(`classifier: no parameter ${name}`);
    return v;
  }

  forward(x: tf.Tensor4D, options: { dropout?: number } = {}): ClassifierOutput {
    return tf.tidy(() => {
      let h = tf.relu(
        tf.add(tf.conv2d(x, this.p('conv1.weight') as tf.Tensor4D, 1, 'same'), this.p('conv1.bias')),
      );
      h = avgPool2x2(h as tf.Tensor4D);
      h = tf.relu(
        tf.add(
          tf.conv2d(h as tf.Tensor4D, this.p('conv2.weight') as tf.Tensor4D, 1, 'same'),
          this.p('conv2.bias'),
        ),
      );
      h = avgPool2x2(h as tf.Tensor4D);
      const flat = tf.reshape(h, [x.shape[0], -1]) as tf.Tensor2D;
      const features = tf.relu(
        tf.add(tf.matMul(flat, this.p('fc1.weight') as tf.Tensor2D), this.p('fc1.bias')),
      ) as tf.Tensor2D;
      const dropped = options.dropout ? (tf.dropout(features, options.dropout) as tf.Tensor2D) : features;
      const logits = tf.add(
        tf.matMul(dropped, this.p('fc2.weight') as tf.Tensor2D),
        this.p('fc2.bias'),
      ) as tf.Tensor2D;
      return { logits, features } as unknown as tf.TensorContainerObject;
    }) as unknown as ClassifierOutput;
  }

  async save(metadata: Record<string, string> = {}): Promise<Uint8Array> {
    const tensors = [];
    for (const [name, v] of this.params) {
      tensors.push({ name, shape: v.shape, data: (await v.data()) as Float32Array });
    }
    return writeSafetensors(tensors, { ...metadata, config: JSON.stringify(this.config) });
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
    this.params.clear();
  }
}

/** A classifier from `save()` bytes; every missing or mis-shaped tensor is named. */
export function loadClassifier(bytes: Uint8Array, name: string): Result<ImageClassifier> {
  const parsed = parseSafetensors(bytes);
  if (!parsed.ok) return err(`${name} is not a readable safetensors file: ${parsed.error}`);
  let config: ClassifierConfig;
  try {
    const c = JSON.parse(parsed.value.metadata.config ?? 'null') as unknown;
    if (!isRecord(c) || !Array.isArray(c.imageShape) || typeof c.classes !== 'number')
      throw new Error('fields');
    config = c as unknown as ClassifierConfig;
  } catch {
    return err(`${name} has no classifier config in its metadata: is it a classifier checkpoint?`);
  }
  const problems: string[] = [];
  for (const [key, shape] of paramShapes(config)) {
    const t = parsed.value.tensors.get(key);
    if (!t) problems.push(`missing ${key}`);
    else if (t.shape.join() !== shape.join()) problems.push(`${key} is [${t.shape}], expected [${shape}]`);
  }
  if (problems.length) return err(`${name} does not match its config: ${problems.join('; ')}.`);
  const clf = new ImageClassifier(config);
  tf.tidy(() => {
    for (const [key, v] of clf.params) {
      const t = parsed.value.tensors.get(key);
      if (t) v.assign(tf.tensor(t.data, v.shape, 'float32'));
    }
  });
  return ok(clf);
}
