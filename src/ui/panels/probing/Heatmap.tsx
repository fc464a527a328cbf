import type { BaselineResult, ProbeCell } from '../../../core/probe/types';
import { bestCell } from '../../../core/probe/types';
import { accuracyDomain, textOn, viridis } from './colors';

const CELL_W = 58;
const CELL_H = 24;
const LEFT = 64;
const TOP = 34;
const LEGEND_H = 48;

const STOPS = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

const pct = (v: number | null) => (v === null ? '' : (100 * v).toFixed(1));

function cellTitle(c: ProbeCell): string {
  const head = `${c.tap} at t = ${c.t}`;
  if (c.status === 'done') {
    return `${head}: linear ${pct(c.accuracy)}%${c.knnAccuracy !== null ? `, kNN ${pct(c.knnAccuracy)}%` : ''}, ${c.dim} features`;
  }
  if (c.status === 'failed') return `${head}: failed (${c.error})`;
  return `${head}: ${c.status}`;
}

export interface HeatmapProps {
  taps: string[];
  timesteps: number[];
  cells: ProbeCell[];
  baseline: BaselineResult | null;
  selected?: { t: number; tap: string } | null;
  onSelect?: (cell: ProbeCell) => void;
  /** kNN accuracy instead of the linear probe's. */
  metric?: 'linear' | 'knn';
  svgRef?: React.RefObject<SVGSVGElement | null>;
  testId?: string;
  /** Smaller cells without a legend (side-by-side comparison). */
  compact?: boolean;
  /** A run is filling the grid: the column being computed pulses. */
  running?: boolean;
}

/** Test accuracy per (tap, t): rows are taps in forward order, columns timesteps; the best cell outlined. */
export function Heatmap({
  taps,
  timesteps,
  cells,
  baseline,
  selected,
  onSelect,
  metric = 'linear',
  svgRef,
  testId = 'probe-heatmap',
  compact = false,
  running = false,
}: HeatmapProps) {
  const activeT = running ? cells.find((c) => c.status === 'pending')?.t : undefined;
  const value = (c: ProbeCell) =>
    c.status !== 'done' ? null : metric === 'linear' ? c.accuracy : c.knnAccuracy;
  const base = baseline ? (metric === 'linear' ? baseline.accuracy : baseline.knnAccuracy) : null;
  const [lo, hi] = accuracyDomain([...cells.map(value), base]);
  const best = metric === 'linear' ? bestCell(cells) : null;
  const cw = compact ? 44 : CELL_W;
  const ch = compact ? 20 : CELL_H;
  const legendW = Math.max(120, timesteps.length * cw);
  const width = LEFT + (compact ? timesteps.length * cw + 8 : legendW + 36);
  const gridH = TOP + taps.length * ch;
  const height = gridH + (compact ? 8 : LEGEND_H + 8);
  const gradientId = `${testId}-gradient`;
  const done = cells.filter((c) => c.status === 'done').length;

  return (
    <svg
      ref={svgRef}
      className="probe-heatmap"
      width={width}
      height={height}
      viewBox={`0 0 ${width} ${height}`}
      data-testid={testId}
      data-done={done}
      role="img"
      aria-label={`${metric === 'linear' ? 'Linear-probe' : 'kNN'} test accuracy by tap and timestep`}
    >
      <text x={LEFT - 6} y={TOP - 20} textAnchor="end" className="axis-title">
        tap \ t
      </text>
      {timesteps.map((t, ti) => (
        <text key={t} x={LEFT + ti * cw + cw / 2} y={TOP - 8} textAnchor="middle" className="axis-label">
          {t}
        </text>
      ))}
      {taps.map((tap, ki) => (
        <text key={tap} x={LEFT - 6} y={TOP + ki * ch + ch / 2 + 4} textAnchor="end" className="axis-label">
          {tap}
        </text>
      ))}
      {timesteps.map((t, ti) =>
        taps.map((tap, ki) => {
          const c = cells[ti * taps.length + ki];
          if (!c) return null;
          const v = value(c);
          const x = LEFT + ti * cw;
          const y = TOP + ki * ch;
          const isSelected = selected?.t === t && selected.tap === tap;
          const fill =
            v !== null ? viridis(v, lo, hi) : c.status === 'failed' ? 'var(--error-bg)' : 'var(--bg)';
          return (
            // biome-ignore lint/a11y/useSemanticElements: an SVG cell cannot be a <button>
            <g
              key={`${t}-${tap}`}
              className={`heat-cell ${c.status}${onSelect && c.status === 'done' ? ' clickable' : ''}${c.status === 'pending' && t === activeT ? ' active' : ''}`}
              data-testid={`cell-${t}-${tap}`}
              data-status={c.status}
              role="button"
              tabIndex={onSelect && c.status === 'done' ? 0 : -1}
              onClick={() => onSelect && c.status !== 'pending' && onSelect(c)}
              onKeyDown={(e) => {
                if ((e.key === 'Enter' || e.key === ' ') && onSelect && c.status !== 'pending') onSelect(c);
              }}
            >
              <title>{cellTitle(c)}</title>
              <rect x={x + 1} y={y + 1} width={cw - 2} height={ch - 2} rx={3} fill={fill} />
              <text
                x={x + cw / 2}
                y={y + ch / 2 + 4}
                textAnchor="middle"
                className="cell-text"
                style={v !== null ? { fill: textOn(v, lo, hi) } : undefined}
              >
                {v !== null ? pct(v) : c.status === 'failed' ? '✕' : c.status === 'cancelled' ? '–' : '…'}
              </text>
              {best === c && (
                <rect
                  x={x + 1.5}
                  y={y + 1.5}
                  width={cw - 3}
                  height={ch - 3}
                  rx={3}
                  className="best-outline"
                  data-testid="best-cell"
                />
              )}
              {isSelected && (
                <rect
                  x={x - 0.5}
                  y={y - 0.5}
                  width={cw + 1}
                  height={ch + 1}
                  rx={4}
                  className="selected-outline"
                />
              )}
            </g>
          );
        }),
      )}
      {!compact && (
        <g transform={`translate(${LEFT}, ${gridH + 20})`}>
          <defs>
            <linearGradient id={gradientId}>
              {STOPS.map((i) => (
                <stop key={i} offset={`${i * 10}%`} stopColor={viridis(lo + ((hi - lo) * i) / 10, lo, hi)} />
              ))}
            </linearGradient>
          </defs>
          <rect width={legendW} height={8} fill={`url(#${gradientId})`} rx={2} />
          <text y={22} className="axis-label">
            {pct(lo)}%
          </text>
          <text x={legendW} y={22} textAnchor="end" className="axis-label">
            {pct(hi)}%
          </text>
          {base !== null && hi > lo && (
            <g transform={`translate(${((Math.max(lo, Math.min(hi, base)) - lo) / (hi - lo)) * legendW}, 0)`}>
              <line y1={-3} y2={11} className="baseline-mark" />
              <text y={-6} textAnchor="middle" className="axis-label">
                raw pixels
              </text>
            </g>
          )}
        </g>
      )}
    </svg>
  );
}
