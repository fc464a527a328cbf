import { categorical } from './colors';

const W = 420;
const H = 230;
const PAD = { left: 44, right: 26, top: 12, bottom: 58 };

export interface Series {
  name: string;
  values: (number | null)[];
}

/** Accuracy (y, %) over categorical x positions, one line per series, the raw-pixel baseline dashed. */
export function AccuracyLines({
  title,
  xLabels,
  xTitle,
  series,
  baseline,
  svgRef,
  testId,
  onExport,
}: {
  title: string;
  xLabels: string[];
  xTitle: string;
  series: Series[];
  baseline: number | null;
  svgRef?: React.RefObject<SVGSVGElement | null>;
  testId: string;
  onExport?: () => void;
}) {
  const all = [...series.flatMap((s) => s.values), baseline].filter((v): v is number => v !== null);
  const dataLo = all.length ? Math.min(...all) : 0;
  const dataHi = all.length ? Math.max(...all) : 1;
  // Round ticks (1, 2, 5, 10 or 20 points of accuracy), about five of them, covering the data.
  const step = [0.01, 0.02, 0.05, 0.1, 0.2].find((s) => (dataHi - dataLo) / s <= 6) ?? 0.25;
  const lo = Math.max(0, Math.floor(dataLo / step - 1e-9) * step);
  const hi = Math.min(1, Math.max(lo + step, Math.ceil(dataHi / step - 1e-9) * step));
  const span = hi - lo;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (xLabels.length <= 1 ? plotW / 2 : (i / (xLabels.length - 1)) * plotW);
  const y = (v: number) => PAD.top + (1 - (v - lo) / span) * plotH;
  const ticks = Array.from({ length: Math.round(span / step) + 1 }, (_, k) => lo + k * step);
  const legendCols = 4;

  return (
    <figure className="probe-chart">
      <figcaption>
        {title}{' '}
        {onExport && (
          <button type="button" className="small" onClick={onExport}>
            PNG
          </button>
        )}
      </figcaption>
      <svg
        ref={svgRef}
        width={W}
        height={H + Math.ceil(series.length / legendCols) * 14}
        data-testid={testId}
        role="img"
        aria-label={title}
      >
        {ticks.map((v) => (
          <g key={v}>
            <line x1={PAD.left} x2={W - PAD.right} y1={y(v)} y2={y(v)} className="grid" />
            <text x={PAD.left - 4} y={y(v) + 4} textAnchor="end" className="axis-label">
              {(100 * v).toFixed(0)}
            </text>
          </g>
        ))}
        {xLabels.map((label, i) => (
          <text key={label} x={x(i)} y={H - PAD.bottom + 14} textAnchor="middle" className="axis-label">
            {label}
          </text>
        ))}
        <text x={PAD.left + plotW / 2} y={H - PAD.bottom + 30} textAnchor="middle" className="axis-title">
          {xTitle}
        </text>
        <text
          x={10}
          y={PAD.top + plotH / 2}
          className="axis-title"
          transform={`rotate(-90 10 ${PAD.top + plotH / 2})`}
          textAnchor="middle"
        >
          accuracy %
        </text>
        {baseline !== null && (
          <g>
            <line
              x1={PAD.left}
              x2={W - PAD.right}
              y1={y(baseline)}
              y2={y(baseline)}
              className="baseline-line"
            />
            <text x={W - PAD.right} y={y(baseline) - 4} textAnchor="end" className="axis-label">
              raw pixels
            </text>
          </g>
        )}
        {series.map((s, k) => {
          const pts = s.values
            .map((v, i) => (v === null ? null : ([x(i), y(v)] as const)))
            .filter((p): p is readonly [number, number] => p !== null);
          const d = pts
            .map(([px, py], i) => `${i === 0 ? 'M' : 'L'}${px.toFixed(1)},${py.toFixed(1)}`)
            .join('');
          return (
            <g key={s.name} stroke={categorical(k)} fill={categorical(k)}>
              <path d={d} fill="none" strokeWidth={1.8} />
              {pts.map(([px, py]) => (
                <circle key={`${px}`} cx={px} cy={py} r={2.5} stroke="none" />
              ))}
            </g>
          );
        })}
        {series.map((s, k) => (
          <g
            key={s.name}
            transform={`translate(${PAD.left + (k % legendCols) * 92}, ${H - PAD.bottom + 44 + Math.floor(k / legendCols) * 14})`}
          >
            <rect width={10} height={3} y={-4} fill={categorical(k)} />
            <text x={14} y={0} className="axis-label">
              {s.name}
            </text>
          </g>
        ))}
      </svg>
    </figure>
  );
}
