/** Checks every network config shares, so UNet and DiT configs refuse bad input in the same words. */
export const isInt = (v: unknown, min: number, max: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** The problem with an `image_shape` [channels, height, width], or null when it is within the limits. */
export function imageShapeProblem(
  shape: unknown,
  limits: { maxImageChannels: number; maxImageSide: number },
): string | null {
  const ok =
    Array.isArray(shape) &&
    shape.length === 3 &&
    isInt(shape[0], 1, limits.maxImageChannels) &&
    isInt(shape[1], 1, limits.maxImageSide) &&
    isInt(shape[2], 1, limits.maxImageSide);
  return ok
    ? null
    : `image_shape must be [channels, height, width] with channels 1..${limits.maxImageChannels} and sides 1..${limits.maxImageSide}, got ${JSON.stringify(shape)}`;
}

export const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * Reads config fields from JSON under their official snake_case names or our camelCase ones, into a
 * camelCase object; lists the required snake_case names that are absent.
 */
export function readConfigFields(
  src: Record<string, unknown>,
  fields: ReadonlyArray<readonly [snake: string, camel: string]>,
  required: ReadonlySet<string>,
): { values: Record<string, unknown>; missing: string[] } {
  const values: Record<string, unknown> = {};
  const missing: string[] = [];
  for (const [snake, camel] of fields) {
    const value = snake in src ? src[snake] : src[camel];
    if (value === undefined) {
      if (required.has(snake)) missing.push(snake);
      continue;
    }
    values[camel] = value;
  }
  return { values, missing };
}
