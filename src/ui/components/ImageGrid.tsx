import { useEffect, useMemo, useRef } from 'react';
import { drawImageCell, toImageData } from './image-canvas';

const CAPTION_HEIGHT = 14;
const GAP = 4;

/** Cell size: small images scaled up to at least 56 px, large ones fitted into 96 px. */
function cellSize(height: number, width: number, minSide: number): { w: number; h: number } {
  const side = Math.max(height, width);
  const scale = side < minSide ? Math.ceil(minSide / side) : Math.min(1, 96 / side);
  return { w: Math.max(8, Math.round(width * scale)), h: Math.max(8, Math.round(height * scale)) };
}

export interface ImageGridProps {
  /** count * height * width * channels bytes, NHWC. */
  pixels: Uint8Array;
  height: number;
  width: number;
  channels: number;
  columns: number;
  /** One caption per image, drawn underneath; omit for a plain grid. */
  captions?: string[];
  /** Smallest cell side in CSS pixels (default 56). */
  minCell?: number;
  canvasRef?: React.RefObject<HTMLCanvasElement | null>;
  testId?: string;
  label?: string;
}

/** Many small images drawn on one canvas, with optional captions. */
export function ImageGrid({
  pixels,
  height,
  width,
  channels,
  columns,
  captions,
  minCell = 56,
  canvasRef,
  testId = 'image-grid',
  label,
}: ImageGridProps) {
  const ownRef = useRef<HTMLCanvasElement | null>(null);
  const ref = canvasRef ?? ownRef;
  const cell = useMemo(() => cellSize(height, width, minCell), [height, width, minCell]);
  const stride = height * width * channels;
  const count = stride > 0 ? Math.floor(pixels.length / stride) : 0;
  const captionHeight = captions ? CAPTION_HEIGHT : 0;
  const cols = Math.max(1, Math.min(columns, count));
  const gridWidth = cols * (cell.w + GAP);
  const gridHeight = Math.ceil(count / cols) * (cell.h + captionHeight + GAP);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = gridWidth * dpr;
    canvas.height = gridHeight * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, gridWidth, gridHeight);
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    ctx.fillStyle = getComputedStyle(canvas).color;
    for (let k = 0; k < count; k++) {
      const x = (k % cols) * (cell.w + GAP);
      const y = Math.floor(k / cols) * (cell.h + captionHeight + GAP);
      drawImageCell(ctx, toImageData(pixels, k * stride, height, width, channels), x, y, cell.w, cell.h);
      const caption = captions?.[k];
      if (caption !== undefined) {
        const text = caption.length > 12 ? `${caption.slice(0, 11)}…` : caption;
        ctx.fillText(text, x + cell.w / 2, y + cell.h + 11, cell.w);
      }
    }
  }, [
    pixels,
    height,
    width,
    channels,
    stride,
    count,
    cols,
    cell,
    captions,
    captionHeight,
    gridWidth,
    gridHeight,
    ref,
  ]);

  return (
    <canvas
      ref={ref}
      className="image-grid"
      data-testid={testId}
      data-count={count}
      style={{ width: gridWidth, height: gridHeight }}
      aria-label={label ?? `${count} images`}
    />
  );
}
