/**
 * DiT config objects from JSON (snake_case, as in checkpoint metadata or a sidecar file, optionally under
 * `network`) to a validated DiTConfig, and back. `arch`, when present, must be "dit".
 */
import { err, ok, type Result } from '../../result';
import { isRecord, readConfigFields } from '../config-checks';
import { type DiTConfig, validateDiTConfig } from './config';
import { countDiTParams, ditSpecs } from './specs';

/** DiT-XL/2 has 675M; a file asking for more than this is refused before anything is allocated. */
export const MAX_DIT_PARAMS = 250_000_000;

const FIELDS = [
  ['image_shape', 'imageShape'],
  ['patch_size', 'patchSize'],
  ['hidden_size', 'hiddenSize'],
  ['depth', 'depth'],
  ['num_heads', 'numHeads'],
  ['mlp_ratio', 'mlpRatio'],
] as const;

const REQUIRED = new Set(['image_shape', 'patch_size', 'hidden_size', 'depth', 'num_heads']);

/** Reads a DiT config; `mlp_ratio` defaults to 4 as in the official constructor, the rest are required. */
export function ditConfigFromJson(obj: unknown): Result<DiTConfig> {
  if (!isRecord(obj)) return err(`A DiT config must be a JSON object, got ${JSON.stringify(obj)}`);
  const src = isRecord(obj.network) ? obj.network : obj;
  const arch = obj.arch ?? src.arch;
  if (arch !== undefined && (typeof arch !== 'string' || arch.toLowerCase() !== 'dit')) {
    return err(`Invalid DiT config: arch must be "dit", got ${JSON.stringify(arch)}`);
  }
  const { values, missing } = readConfigFields(src, FIELDS, REQUIRED);
  if (missing.length > 0) return err(`Invalid DiT config: missing ${missing.join(', ')}`);
  const valid = validateDiTConfig({ mlpRatio: 4, ...values } as unknown as DiTConfig);
  if (!valid.ok) return valid;
  const params = countDiTParams(ditSpecs(valid.value));
  if (params > MAX_DIT_PARAMS) {
    return err(`Invalid DiT config: it has ${params} parameters, more than the ${MAX_DIT_PARAMS} limit`);
  }
  return ok(valid.value);
}

/** The snake_case form with `arch: 'dit'`, for `__metadata__.config` of exported checkpoints. */
export function ditConfigToJson(c: DiTConfig): Record<string, unknown> {
  return {
    arch: 'dit',
    image_shape: [...c.imageShape],
    patch_size: c.patchSize,
    hidden_size: c.hiddenSize,
    depth: c.depth,
    num_heads: c.numHeads,
    mlp_ratio: c.mlpRatio,
  };
}
