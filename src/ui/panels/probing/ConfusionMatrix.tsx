import { viridis } from './colors';

/** confusion[true][predicted] as a grid, shaded by the row-normalised fraction, counts written in. */
export function ConfusionMatrix({ matrix, classNames }: { matrix: number[][]; classNames: string[] }) {
  const n = matrix.length;
  const cell = n <= 10 ? 24 : Math.max(10, Math.floor(260 / n));
  const left = 64;
  const top = 18;
  const size = n * cell;
  const classes = Array.from({ length: n }, (_, k) => ({ k, id: `class-${k}` }));
  const name = (k: number) => {
    const s = classNames[k] ?? String(k);
    return s.length > 8 ? `${s.slice(0, 7)}…` : s;
  };
  return (
    <svg
      width={left + size + 8}
      height={top + size + 34}
      className="confusion"
      data-testid="confusion-matrix"
      role="img"
      aria-label="Confusion matrix: rows true class, columns predicted class"
    >
      <text x={left + size / 2} y={12} textAnchor="middle" className="axis-title">
        predicted →
      </text>
      {classes.map(({ k: r, id: rowId }) => {
        const row = matrix[r];
        const total = row.reduce((a, b) => a + b, 0) || 1;
        return (
          <g key={rowId}>
            <text x={left - 4} y={top + r * cell + cell / 2 + 4} textAnchor="end" className="axis-label">
              {name(r)}
            </text>
            {classes.map(({ k: c, id }) => {
              const count = row[c];
              const f = count / total;
              return (
                <g key={id}>
                  <title>{`true ${classNames[r] ?? r}, predicted ${classNames[c] ?? c}: ${count}`}</title>
                  <rect
                    x={left + c * cell}
                    y={top + r * cell}
                    width={cell - 1}
                    height={cell - 1}
                    fill={count === 0 ? 'var(--bg)' : viridis(f, 0, 1)}
                  />
                  {cell >= 20 && count > 0 && (
                    <text
                      x={left + c * cell + cell / 2}
                      y={top + r * cell + cell / 2 + 3}
                      textAnchor="middle"
                      className="cell-text small"
                      style={{ fill: f > 0.6 ? '#111' : '#fff' }}
                    >
                      {count}
                    </text>
                  )}
                </g>
              );
            })}
          </g>
        );
      })}
      {classes.map(({ k: c, id }) => (
        <text
          key={id}
          x={left + c * cell + cell / 2}
          y={top + size + 12}
          textAnchor="middle"
          className="axis-label"
        >
          {n <= 12 ? name(c).slice(0, 3) : ''}
        </text>
      ))}
      <text x={left - 4} y={top + size + 28} textAnchor="end" className="axis-title">
        true ↓
      </text>
    </svg>
  );
}
