/** Turns NHWC bytes or [0,1] floats into RGBA ImageData: the one place images become pixels on screen. */
export function toImageData(
  source: Uint8Array | Float32Array,
  offset: number,
  height: number,
  width: number,
  channels: number,
): ImageData {
  const out = new ImageData(width, height);
  const scale = source instanceof Float32Array ? 255 : 1;
  for (let p = 0; p < height * width; p++) {
    const base = offset + p * channels;
    const r = source[base] * scale;
    const g = channels === 3 ? source[base + 1] * scale : r;
    const b = channels === 3 ? source[base + 2] * scale : r;
    out.data[p * 4] = r;
    out.data[p * 4 + 1] = g;
    out.data[p * 4 + 2] = b;
    out.data[p * 4 + 3] = 255;
  }
  return out;
}

/** Draws one image into a cell of a larger canvas, scaled without smoothing so pixels stay crisp. */
export function drawImageCell(
  ctx: CanvasRenderingContext2D,
  image: ImageData,
  x: number,
  y: number,
  w: number,
  h: number,
): void {
  const tile = document.createElement('canvas');
  tile.width = image.width;
  tile.height = image.height;
  tile.getContext('2d')!.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = image.width > w;
  ctx.drawImage(tile, x, y, w, h);
}
