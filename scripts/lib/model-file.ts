/** `--model` for the CLIs: a .safetensors file, or a folder holding model.safetensors (a shipped model). */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { err, ok, type Result } from '../../src/core/result';

export function resolveModelFile(path: string): Result<string> {
  if (!existsSync(path)) return err(`no model at ${path}`);
  if (!statSync(path).isDirectory()) return ok(path);
  const inside = join(path, 'model.safetensors');
  return existsSync(inside) ? ok(inside) : err(`${path} is a folder without model.safetensors`);
}
