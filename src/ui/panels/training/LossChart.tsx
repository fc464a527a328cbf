import type { LossPoint } from '../../../state/training-store';

const W = 640;
const H = 220;
const PAD = { left: 52, right: 14, top: 12, bottom: 30 };
/** Drawn points at most; longer curves keep every k-th point (and always the last). */
const MAX_DRAWN = 800;

/** Round tick positions for [0, max]: 1, 2 or 5 times a power of ten, about five of them. */
function linearTicks(max: number): number[] {
  if (max <= 0) return [0];
  const raw = max / 5;
  const pow = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * pow).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = 0; v <= max + 1e-9; v += step) ticks.push(Math.round(v));
  return ticks;
}

/** The smallest "round" number (1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^k) at or above v. */
function niceCeil(v: number): number {
  const pow = 10 ** Math.floor(Math.log10(v));
  const m = [1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10].find((x) => x * pow >= v - 1e-9) ?? 10;
  return m * pow;
}

/**
 * Ticks for a log axis: 1, 2, 5 × 10^k inside [lo, hi], thinned to decades when there are many; a narrow
 * range (early in a run) gets four geometrically spaced ticks with two significant digits instead.
 */
function logTicks(lo: number, hi: number): number[] {
  const ticks: number[] = [];
  for (let k = Math.floor(Math.log10(lo)); k <= Math.ceil(Math.log10(hi)); k++) {
    for (const m of [1, 2, 5]) {
      const v = m * 10 ** k;
      if (v >= lo && v <= hi) ticks.push(v);
    }
  }
  if (ticks.length >= 3)
    return ticks.length > 7 ? ticks.filter((v) => Math.abs(Math.log10(v) % 1) < 1e-9) : ticks;
  const r = hi / lo;
  return [0.15, 0.4, 0.65, 0.9].map((f) => Number((lo * r ** f).toPrecision(2)));
}

const formatTick = (v: number) => (v >= 0.01 ? String(Number(v.toPrecision(2))) : v.toExponential(1));

/** The loss per step on a log axis: every step faintly, its exponential moving average boldly. */
export function LossChart({ points }: { points: LossPoint[] }) {
  const finite = points.filter((p) => Number.isFinite(p[1]) && p[1] > 0);
  if (finite.length === 0) {
    return (
      <div className="loss-chart empty muted" data-testid="loss-chart" data-points={0}>
        The loss curve appears after the first step.
      </div>
    );
  }
  const stride = Math.max(1, Math.ceil(finite.length / MAX_DRAWN));
  const drawn = finite.filter((_, i) => i % stride === 0 || i === finite.length - 1);
  const lastStep = finite[finite.length - 1][0];
  // The axis grows with the run (the progress bar shows how far the target is).
  const xMax = niceCeil(Math.max(lastStep, 10));
  const values = finite.flatMap((p) => [p[1], p[2]]).filter((v) => v > 0);
  let lo = Math.min(...values) * 0.9;
  let hi = Math.max(...values) * 1.1;
  if (hi / lo < 2) {
    const mid = Math.sqrt(lo * hi);
    lo = mid / Math.SQRT2;
    hi = mid * Math.SQRT2;
  }
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (step: number) => PAD.left + (step / xMax) * plotW;
  const y = (v: number) =>
    PAD.top + (1 - (Math.log(v) - Math.log(lo)) / (Math.log(hi) - Math.log(lo))) * plotH;
  const line = (k: 1 | 2) =>
    drawn.map((p, i) => `${i === 0 ? 'M' : 'L'}${x(p[0]).toFixed(1)},${y(p[k]).toFixed(1)}`).join('');
  const last = finite[finite.length - 1];

  return (
    <svg
      className="loss-chart"
      viewBox={`0 0 ${W} ${H}`}
      role="img"
      aria-label={`Loss over ${finite.length} steps; latest ${last[1].toFixed(4)}, smoothed ${last[2].toFixed(4)}`}
      data-testid="loss-chart"
      data-points={finite.length}
      data-last-step={lastStep}
    >
      {logTicks(lo, hi).map((v) => (
        <g key={`y${v}`}>
          <line className="grid" x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} />
          <text className="tick" x={PAD.left - 6} y={y(v) + 3} textAnchor="end">
            {formatTick(v)}
          </text>
        </g>
      ))}
      {linearTicks(xMax).map((s) => (
        <text key={`x${s}`} className="tick" x={x(s)} y={H - PAD.bottom + 14} textAnchor="middle">
          {s}
        </text>
      ))}
      <text className="axis-label" x={PAD.left + plotW / 2} y={H - 3} textAnchor="middle">
        step
      </text>
      <text
        className="axis-label"
        x={12}
        y={PAD.top + plotH / 2}
        textAnchor="middle"
        transform={`rotate(-90 12 ${PAD.top + plotH / 2})`}
      >
        loss (log)
      </text>
      <rect className="frame" x={PAD.left} y={PAD.top} width={plotW} height={plotH} />
      <path className="raw" d={line(1)} />
      <path className="smooth" d={line(2)} />
      {drawn.length === 1 && <circle className="dot" cx={x(last[0])} cy={y(last[2])} r={3} />}
      <g transform={`translate(${W - PAD.right - 150}, ${PAD.top + 8})`} className="legend">
        <line className="raw" x1={0} x2={18} y1={0} y2={0} />
        <text x={22} y={3}>
          loss
        </text>
        <line className="smooth" x1={62} x2={80} y1={0} y2={0} />
        <text x={84} y={3}>
          smoothed
        </text>
      </g>
    </svg>
  );
}
