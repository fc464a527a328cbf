import { useEffect, useMemo, useRef } from 'react';
import type { PageResult } from '../../../worker/api';
import { drawImageCell, toImageData } from '../../components/image-canvas';

const LABEL_HEIGHT = 14;
const GAP = 4;

/** Cell size: small images scaled up to at least 56 px, large ones fitted into 96 px. */
function cellSize(height: number, width: number): { w: number; h: number } {
  const side = Math.max(height, width);
  const scale = side < 56 ? Math.ceil(56 / side) : Math.min(1, 96 / side);
  return { w: Math.max(8, Math.round(width * scale)), h: Math.max(8, Math.round(height * scale)) };
}

/** A page of images drawn on one canvas, each with its label and index underneath. */
export function ImageGrid({
  page,
  classNames,
  columns,
  canvasRef,
}: {
  page: PageResult;
  classNames: string[];
  columns: number;
  canvasRef?: React.RefObject<HTMLCanvasElement | null>;
}) {
  const ownRef = useRef<HTMLCanvasElement | null>(null);
  const ref = canvasRef ?? ownRef;
  const cell = useMemo(() => cellSize(page.height, page.width), [page.height, page.width]);
  const count = page.labels.length;
  const rows = Math.ceil(count / columns);
  const width = columns * (cell.w + GAP);
  const height = rows * (cell.h + LABEL_HEIGHT + GAP);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const ctx = canvas.getContext('2d')!;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = width * dpr;
    canvas.height = height * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, width, height);
    const stride = page.height * page.width * page.channels;
    const style = getComputedStyle(canvas);
    ctx.font = '10px system-ui, sans-serif';
    ctx.textAlign = 'center';
    for (let k = 0; k < count; k++) {
      const x = (k % columns) * (cell.w + GAP);
      const y = Math.floor(k / columns) * (cell.h + LABEL_HEIGHT + GAP);
      drawImageCell(
        ctx,
        toImageData(page.pixels, k * stride, page.height, page.width, page.channels),
        x,
        y,
        cell.w,
        cell.h,
      );
      const label = page.labels[k];
      ctx.fillStyle = style.color;
      const name = label >= 0 ? (classNames[label] ?? String(label)) : '?';
      ctx.fillText(
        name.length > 12 ? `${name.slice(0, 11)}…` : name,
        x + cell.w / 2,
        y + cell.h + 11,
        cell.w,
      );
    }
  }, [page, classNames, columns, cell, count, width, height, ref]);

  return (
    <canvas
      ref={ref}
      className="image-grid"
      data-testid="image-grid"
      data-count={count}
      style={{ width, height }}
      aria-label={`${count} images with labels ${Array.from(page.labels.slice(0, 20), (l) => (l >= 0 ? classNames[l] : '?')).join(', ')}${count > 20 ? '…' : ''}`}
    />
  );
}
