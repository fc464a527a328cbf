import { useEffect, useRef } from 'react';
import { drawImageCell, toImageData } from '../../components/image-canvas';

/** One small image as a button, with an optional coloured border (green: match, red: not). */
export function Thumb({
  pixels,
  offset,
  height,
  width,
  scale = 2,
  border,
  selected,
  caption,
  title,
  onClick,
  testId,
}: {
  pixels: Uint8Array;
  offset: number;
  height: number;
  width: number;
  scale?: number;
  border?: 'correct' | 'wrong' | 'ignored' | null;
  selected?: boolean;
  caption?: string;
  title?: string;
  onClick?: () => void;
  testId?: string;
}) {
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    const canvas = ref.current;
    const ctx = canvas?.getContext('2d');
    if (!canvas || !ctx) return;
    drawImageCell(ctx, toImageData(pixels, offset, height, width, 3), 0, 0, canvas.width, canvas.height);
  }, [pixels, offset, height, width]);
  return (
    <button
      type="button"
      className={`reid-thumb ${border ?? ''} ${selected ? 'selected' : ''}`}
      onClick={onClick}
      title={title}
      data-testid={testId}
      data-border={border ?? 'none'}
    >
      <canvas ref={ref} width={width * scale} height={height * scale} />
      {caption && <span className="reid-caption">{caption}</span>}
    </button>
  );
}
