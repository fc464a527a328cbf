/**
 * Any decoded image -> the ReID model's input: resized with its aspect ratio kept and padded (letterbox),
 * so a user's photo of any size can be queried or added to a gallery. Downscaling averages every source
 * pixel under an output pixel (no aliasing from a 4000-pixel photo); upscaling is bilinear. The padding is
 * the model's mean pixel, which its input normalisation maps to zero.
 */

export interface PixelImage {
  width: number;
  height: number;
  /** 1 (gray) or 3 (RGB) interleaved 8-bit channels, row-major. */
  channels: 1 | 3;
  pixels: Uint8Array;
}

export interface FitResult {
  /** RGB HWC, height * width * 3 bytes. */
  data: Uint8Array;
  /** Where the image lies inside the output, in output pixels (the rest is padding). */
  box: { x: number; y: number; width: number; height: number };
}

export function fitImage(
  image: PixelImage,
  height: number,
  width: number,
  fill: readonly [number, number, number] = [124, 117, 104],
): FitResult {
  const { width: sw, height: sh, channels: ch, pixels } = image;
  if (sw < 1 || sh < 1 || pixels.length !== sw * sh * ch) {
    throw new Error(`fitImage: ${pixels.length} bytes are not a ${sw}x${sh} image of ${ch} channels`);
  }
  const scale = Math.min(height / sh, width / sw);
  const bw = Math.max(1, Math.round(sw * scale));
  const bh = Math.max(1, Math.round(sh * scale));
  const bx = Math.floor((width - bw) / 2);
  const by = Math.floor((height - bh) / 2);
  const out = new Uint8Array(height * width * 3);
  for (let i = 0; i < height * width; i++) out.set(fill, i * 3);
  const sx = sw / bw;
  const sy = sh / bh;
  const at = (x: number, y: number, k: number) => pixels[(y * sw + x) * ch + (ch === 1 ? 0 : k)];
  const acc = [0, 0, 0];
  for (let r = 0; r < bh; r++) {
    for (let c = 0; c < bw; c++) {
      acc[0] = acc[1] = acc[2] = 0;
      if (sx >= 1 && sy >= 1) {
        // Box average over the source pixels this output pixel covers.
        const x0 = Math.floor(c * sx);
        const x1 = Math.max(x0 + 1, Math.min(sw, Math.floor((c + 1) * sx)));
        const y0 = Math.floor(r * sy);
        const y1 = Math.max(y0 + 1, Math.min(sh, Math.floor((r + 1) * sy)));
        for (let y = y0; y < y1; y++) {
          for (let x = x0; x < x1; x++) for (let k = 0; k < 3; k++) acc[k] += at(x, y, k);
        }
        const n = (x1 - x0) * (y1 - y0);
        for (let k = 0; k < 3; k++) acc[k] /= n;
      } else {
        // Bilinear at the output pixel's centre (pixel centres at +0.5 in both grids).
        const fx = Math.min(sw - 1, Math.max(0, (c + 0.5) * sx - 0.5));
        const fy = Math.min(sh - 1, Math.max(0, (r + 0.5) * sy - 0.5));
        const x0 = Math.floor(fx);
        const y0 = Math.floor(fy);
        const x1 = Math.min(sw - 1, x0 + 1);
        const y1 = Math.min(sh - 1, y0 + 1);
        const tx = fx - x0;
        const ty = fy - y0;
        for (let k = 0; k < 3; k++) {
          const top = at(x0, y0, k) * (1 - tx) + at(x1, y0, k) * tx;
          const bottom = at(x0, y1, k) * (1 - tx) + at(x1, y1, k) * tx;
          acc[k] = top * (1 - ty) + bottom * ty;
        }
      }
      const o = ((by + r) * width + bx + c) * 3;
      for (let k = 0; k < 3; k++) out[o + k] = Math.round(acc[k]);
    }
  }
  return { data: out, box: { x: bx, y: by, width: bw, height: bh } };
}
