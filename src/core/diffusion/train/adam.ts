/**
 * Adam (PyTorch's `torch.optim.Adam`, no weight decay) over named variables, with its moments and step count
 * exposed so a checkpoint can save them and training resumes bit-for-bit where it stopped. tfjs' own
 * optimizer hides its step count behind `iterations` and names slots by variable id, which change between runs.
 */
import * as tf from '@tensorflow/tfjs';

export interface AdamSettings {
  beta1: number;
  beta2: number;
  epsilon: number;
}

export const PYTORCH_ADAM: AdamSettings = { beta1: 0.9, beta2: 0.999, epsilon: 1e-8 };

export class Adam {
  /** Updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  readonly m = new Map<string, tf.Variable>();
  readonly v = new Map<string, tf.Variable>();

  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    readonly settings: AdamSettings = PYTORCH_ADAM,
  ) {
    for (const [name, p] of params) {
      const zeros = tf.zeros(p.shape, 'float32');
      this.m.set(name, tf.variable(zeros, false));
      this.v.set(name, tf.variable(zeros, false));
      zeros.dispose();
    }
  }

  /** One update of every parameter that has a gradient, at learning rate `lr`. */
  apply(params: ReadonlyMap<string, tf.Variable>, grads: ReadonlyMap<string, tf.Tensor>, lr: number): void {
    this.step++;
    const { beta1, beta2, epsilon } = this.settings;
    const bias1 = 1 - beta1 ** this.step;
    const bias2 = 1 - beta2 ** this.step;
    const stepSize = lr / bias1;
    const sqrtBias2 = Math.sqrt(bias2);
    tf.tidy(() => {
      for (const [name, g] of grads) {
        const p = params.get(name);
        const m = this.m.get(name);
        const v = this.v.get(name);
        if (!p || !m || !v) throw new Error(`Adam: no state for parameter "${name}"`);
        const m1 = tf.add(tf.mul(m, beta1), tf.mul(g, 1 - beta1));
        const v1 = tf.add(tf.mul(v, beta2), tf.mul(tf.square(g), 1 - beta2));
        m.assign(m1);
        v.assign(v1);
        // PyTorch: p -= lr / bias1 * m / (sqrt(v) / sqrt(bias2) + eps)
        p.assign(tf.sub(p, tf.mul(tf.div(m1, tf.add(tf.div(tf.sqrt(v1), sqrtBias2), epsilon)), stepSize)));
      }
    });
  }

  /** Restores the moments and step count saved in a checkpoint (tfjs layouts, by official name). */
  load(state: {
    step: number;
    m: ReadonlyMap<string, Float32Array>;
    v: ReadonlyMap<string, Float32Array>;
  }): void {
    tf.tidy(() => {
      for (const [name, slot] of this.m) {
        const m = state.m.get(name);
        const v = state.v.get(name);
        if (!m || !v) throw new Error(`Adam: the saved state has no moments for "${name}"`);
        slot.assign(tf.tensor(m, slot.shape, 'float32'));
        this.v.get(name)?.assign(tf.tensor(v, slot.shape, 'float32'));
      }
    });
    this.step = state.step;
  }

  dispose(): void {
    for (const t of this.m.values()) t.dispose();
    for (const t of this.v.values()) t.dispose();
    this.m.clear();
    this.v.clear();
  }
}
