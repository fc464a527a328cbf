/**
 * The side-by-side view on one canvas (so it exports as one PNG): query and gallery image enlarged with
 * their stripe boundaries, lines linking the stripes the shortest path matches, the H×H stripe-distance
 * heatmap with the path drawn on it, and the distances.
 */
import type { PairView } from '../../../worker/retrieval-types';
import { drawImageCell, toImageData } from '../../components/image-canvas';

const SCALE = 5;
const PAD = 12;
const TITLE = 22;
const LINK_GAP = 90;
const CELL = 34;
const FOOT = 58;

export function pairCanvasSize(view: PairView): { width: number; height: number } {
  const imgW = view.width * SCALE;
  const imgH = view.height * SCALE;
  const heat = CELL * view.stripes;
  return {
    width: PAD + imgW + LINK_GAP + imgW + 2 * PAD + 28 + heat + PAD,
    height: PAD + TITLE + Math.max(imgH, heat + 22) + FOOT,
  };
}

/** Dark blue (small distance, a good match) to yellow (large). */
function heatColour(t: number): string {
  const c = Math.max(0, Math.min(1, t));
  const r = Math.round(30 + 220 * c);
  const g = Math.round(40 + 180 * c);
  const b = Math.round(120 - 90 * c);
  return `rgb(${r},${g},${b})`;
}

export function drawPair(canvas: HTMLCanvasElement, view: PairView): void {
  const { width, height } = pairCanvasSize(view);
  canvas.width = width;
  canvas.height = height;
  const ctx = canvas.getContext('2d');
  if (!ctx) return;
  const h = view.stripes;
  ctx.fillStyle = '#fff';
  ctx.fillRect(0, 0, width, height);
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillStyle = '#222';
  ctx.textBaseline = 'alphabetic';

  const imgW = view.width * SCALE;
  const imgH = view.height * SCALE;
  const top = PAD + TITLE;
  const qx = PAD;
  const gx = PAD + imgW + LINK_GAP;
  ctx.fillText(`query: ${view.queryInfo.name}`, qx, PAD + 12);
  ctx.fillText(`gallery: ${view.galleryInfo.name}`, gx, PAD + 12);
  drawImageCell(ctx, toImageData(view.queryPixels, 0, view.height, view.width, 3), qx, top, imgW, imgH);
  drawImageCell(ctx, toImageData(view.galleryPixels, 0, view.height, view.width, 3), gx, top, imgW, imgH);

  // Stripe boundaries.
  const stripeH = imgH / h;
  ctx.strokeStyle = 'rgba(255,255,255,0.85)';
  ctx.lineWidth = 1;
  ctx.setLineDash([4, 3]);
  for (const x of [qx, gx]) {
    for (let k = 1; k < h; k++) {
      ctx.beginPath();
      ctx.moveTo(x, top + k * stripeH + 0.5);
      ctx.lineTo(x + imgW, top + k * stripeH + 0.5);
      ctx.stroke();
    }
    ctx.strokeRect(x + 0.5, top + 0.5, imgW - 1, imgH - 1);
  }
  ctx.setLineDash([]);

  // Links: the stripe pairs on the shortest path, coloured by their distance.
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of view.matrix) {
    min = Math.min(min, v);
    max = Math.max(max, v);
  }
  const norm = (v: number) => (max > min ? (v - min) / (max - min) : 0);
  ctx.lineWidth = 2;
  for (const [i, j] of view.path) {
    ctx.strokeStyle = i === j ? '#1a7f37' : '#d1242f';
    ctx.beginPath();
    ctx.moveTo(qx + imgW + 2, top + (i + 0.5) * stripeH);
    ctx.lineTo(gx - 2, top + (j + 0.5) * stripeH);
    ctx.stroke();
  }
  // Stripe numbers beside the images.
  ctx.font = '10px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  for (let k = 0; k < h; k++) {
    ctx.fillText(String(k + 1), qx + imgW + 4, top + (k + 0.5) * stripeH - 4);
    ctx.fillText(String(k + 1), gx - 12, top + (k + 0.5) * stripeH - 4);
  }

  // Heatmap with the path.
  const hx = gx + imgW + 2 * PAD + 28;
  const hy = top + 16;
  ctx.fillStyle = '#222';
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillText('gallery stripe →', hx, top + 10);
  ctx.save();
  ctx.translate(hx - 16, hy + CELL * h);
  ctx.rotate(-Math.PI / 2);
  ctx.fillText('query stripe →', 0, 0);
  ctx.restore();
  ctx.font = '10px system-ui, sans-serif';
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < h; j++) {
      const v = view.matrix[i * h + j];
      ctx.fillStyle = heatColour(norm(v));
      ctx.fillRect(hx + j * CELL, hy + i * CELL, CELL, CELL);
      ctx.fillStyle = norm(v) > 0.55 ? '#222' : '#eee';
      ctx.fillText(v.toFixed(2), hx + j * CELL + 6, hy + i * CELL + CELL / 2 + 4);
    }
  }
  ctx.strokeStyle = '#ff2d55';
  ctx.lineWidth = 3;
  ctx.beginPath();
  view.path.forEach(([i, j], k) => {
    const x = hx + (j + 0.5) * CELL;
    const y = hy + (i + 0.5) * CELL;
    if (k === 0) ctx.moveTo(x, y);
    else ctx.lineTo(x, y);
  });
  ctx.stroke();
  ctx.fillStyle = '#ff2d55';
  for (const [i, j] of view.path) {
    ctx.beginPath();
    ctx.arc(hx + (j + 0.5) * CELL, hy + (i + 0.5) * CELL, 3.5, 0, 2 * Math.PI);
    ctx.fill();
  }

  // Distances.
  const fy = top + Math.max(imgH, CELL * h + 22) + 22;
  ctx.fillStyle = '#222';
  ctx.font = '13px system-ui, sans-serif';
  ctx.fillText(
    `global ${view.global.toFixed(3)}   local (aligned) ${view.local.toFixed(3)}   unaligned ${view.unaligned.toFixed(3)}   total = global + ${view.lambda}·local = ${view.total.toFixed(3)}`,
    PAD,
    fy,
  );
  ctx.font = '11px system-ui, sans-serif';
  ctx.fillStyle = '#555';
  ctx.fillText(
    'Links: green = same stripe matched, red = shifted match. Heatmap: stripe distance tanh(‖f−g‖/2), dark = close.',
    PAD,
    fy + 20,
  );
}
