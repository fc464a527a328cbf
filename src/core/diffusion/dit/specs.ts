/**
 * The DiT's parameters in the official `state_dict` order, with PyTorch names and shapes. PyTorch lists a
 * module's own parameters before its children's, so the fixed `pos_embed` (a non-trainable nn.Parameter of
 * the root module) comes first, then `x_embedder`, `t_embedder`, `blocks.*` and `final_layer` in the order
 * `__init__` assigns them. The LayerNorms have no affine parameters. Unconditional: no `y_embedder`.
 */
import type { ParamSpec } from '../denoiser';
import { type DiTConfig, ditGeometry } from './config';

const linear = (name: string, cout: number, cin: number): ParamSpec[] => [
  { name: `${name}.weight`, torchShape: [cout, cin], layout: 'linear' },
  { name: `${name}.bias`, torchShape: [cout], layout: 'plain' },
];

/** Width of the sinusoid fed to `t_embedder.mlp.0` (the official `frequency_embedding_size`). */
export const FREQUENCY_EMBEDDING_SIZE = 256;

/** Every parameter of the DiT for `config` (assumed valid), in state_dict order, without allocating. */
export function ditSpecs(config: DiTConfig): ParamSpec[] {
  const { channels, tokens, mlpHidden } = ditGeometry(config);
  const { hiddenSize: d, patchSize: p } = config;
  const specs: ParamSpec[] = [
    { name: 'pos_embed', torchShape: [1, tokens, d], layout: 'plain' },
    { name: 'x_embedder.proj.weight', torchShape: [d, channels, p, p], layout: 'conv' },
    { name: 'x_embedder.proj.bias', torchShape: [d], layout: 'plain' },
    ...linear('t_embedder.mlp.0', d, FREQUENCY_EMBEDDING_SIZE),
    ...linear('t_embedder.mlp.2', d, d),
  ];
  for (let i = 0; i < config.depth; i++) {
    specs.push(
      ...linear(`blocks.${i}.attn.qkv`, 3 * d, d),
      ...linear(`blocks.${i}.attn.proj`, d, d),
      ...linear(`blocks.${i}.mlp.fc1`, mlpHidden, d),
      ...linear(`blocks.${i}.mlp.fc2`, d, mlpHidden),
      ...linear(`blocks.${i}.adaLN_modulation.1`, 6 * d, d),
    );
  }
  specs.push(
    ...linear('final_layer.linear', p * p * channels, d),
    ...linear('final_layer.adaLN_modulation.1', 2 * d, d),
  );
  return specs;
}

/** Trainable parameters: everything but the fixed `pos_embed` (as the official DiT counts them). */
export const countDiTParams = (specs: readonly ParamSpec[]): number =>
  specs
    .filter((s) => s.name !== 'pos_embed')
    .reduce((sum, s) => sum + s.torchShape.reduce((a, b) => a * b, 1), 0);
