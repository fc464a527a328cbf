import { useEffect, useRef } from 'react';
import { categorical } from './colors';

const SIZE = 300;
const PAD = 10;

/** 2-D points coloured by class; clicking picks the nearest point (its position among the run's test images). */
export function Scatter({
  points,
  labels,
  classNames,
  highlight,
  onPick,
}: {
  points: Float32Array;
  labels: Int32Array;
  classNames: string[];
  highlight: number | null;
  onPick: (position: number) => void;
}) {
  const ref = useRef<HTMLCanvasElement | null>(null);
  const n = labels.length;
  let minX = Infinity;
  let maxX = -Infinity;
  let minY = Infinity;
  let maxY = -Infinity;
  for (let i = 0; i < n; i++) {
    minX = Math.min(minX, points[2 * i]);
    maxX = Math.max(maxX, points[2 * i]);
    minY = Math.min(minY, points[2 * i + 1]);
    maxY = Math.max(maxY, points[2 * i + 1]);
  }
  const span = Math.max(maxX - minX, maxY - minY, 1e-9);
  const px = (i: number) => PAD + ((points[2 * i] - minX) / span) * (SIZE - 2 * PAD);
  const py = (i: number) => SIZE - PAD - ((points[2 * i + 1] - minY) / span) * (SIZE - 2 * PAD);

  useEffect(() => {
    const canvas = ref.current;
    if (!canvas) return;
    const dpr = window.devicePixelRatio || 1;
    canvas.width = SIZE * dpr;
    canvas.height = SIZE * dpr;
    const ctx = canvas.getContext('2d')!;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, SIZE, SIZE);
    ctx.globalAlpha = 0.75;
    for (let i = 0; i < n; i++) {
      ctx.fillStyle = categorical(Math.max(0, labels[i]));
      ctx.beginPath();
      ctx.arc(px(i), py(i), 2.5, 0, 2 * Math.PI);
      ctx.fill();
    }
    ctx.globalAlpha = 1;
    if (highlight !== null && highlight < n) {
      ctx.strokeStyle = getComputedStyle(canvas).color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(px(highlight), py(highlight), 6, 0, 2 * Math.PI);
      ctx.stroke();
    }
  });

  const pick = (e: React.MouseEvent<HTMLCanvasElement>) => {
    const rect = e.currentTarget.getBoundingClientRect();
    const mx = e.clientX - rect.left;
    const my = e.clientY - rect.top;
    let best = -1;
    let bestD = Infinity;
    for (let i = 0; i < n; i++) {
      const d = (px(i) - mx) ** 2 + (py(i) - my) ** 2;
      if (d < bestD) {
        bestD = d;
        best = i;
      }
    }
    if (best >= 0 && bestD < 100) onPick(best);
  };

  const present = [...new Set(Array.from(labels))].filter((l) => l >= 0).sort((a, b) => a - b);
  return (
    <div className="scatter">
      <canvas
        ref={ref}
        style={{ width: SIZE, height: SIZE }}
        onClick={pick}
        data-testid="probe-scatter"
        data-points={n}
        aria-label={`${n} test images, coloured by class; click one to see its nearest neighbours`}
      />
      <ul className="scatter-legend">
        {present.map((l) => (
          <li key={l}>
            <span className="swatch" style={{ background: categorical(l) }} />
            {classNames[l] ?? l}
          </li>
        ))}
      </ul>
    </div>
  );
}
