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
