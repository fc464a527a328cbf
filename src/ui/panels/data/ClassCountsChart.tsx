/**
 * Images per class as bars; with `onSelect`, clicking a bar filters the grid to that class (without it the
 * chart is a plain histogram, e.g. of the classes a classifier assigned to generated samples).
 */
export function ClassCountsChart({
  classNames,
  counts,
  selected = null,
  onSelect,
  testId = 'class-counts',
  what = 'Images',
}: {
  classNames: string[];
  counts: number[];
  selected?: number | null;
  onSelect?: (label: number | null) => void;
  testId?: string;
  /** What the bars count, as in "Images per class". */
  what?: string;
}) {
  if (counts.length === 0) return <p className="muted">No labels: images are shown unlabelled.</p>;
  const max = Math.max(1, ...counts);
  const barW = Math.max(14, Math.min(40, Math.floor(560 / counts.length)));
  const chartH = 90;
  const width = counts.length * barW;
  return (
    <svg
      className="class-chart"
      width={width}
      height={chartH + 30}
      role="img"
      aria-label={`${what} per class: ${classNames.map((n, i) => `${n} ${counts[i]}`).join(', ')}`}
      data-testid={testId}
    >
      {counts.map((c, i) => {
        const h = Math.round((c / max) * chartH);
        const active = selected === i;
        return (
          // biome-ignore lint/a11y/noStaticElementInteractions: the bars mirror the class filter select, which stays the accessible control
          <g
            key={classNames[i] ?? i}
            transform={`translate(${i * barW},0)`}
            onClick={onSelect && (() => onSelect(active ? null : i))}
            style={onSelect && { cursor: 'pointer' }}
          >
            <title>{`${classNames[i]}: ${c} ${what.toLowerCase()}${onSelect ? (active ? ' (click to show all)' : ' (click to filter)') : ''}`}</title>
            <rect
              x={2}
              y={chartH - h + 12}
              width={barW - 4}
              height={h}
              className={active ? 'bar active' : 'bar'}
            />
            <text x={barW / 2} y={chartH - h + 9} className="bar-value">
              {c}
            </text>
            <text x={barW / 2} y={chartH + 26} className="bar-label">
              {classNames[i].length > 5 ? `${classNames[i].slice(0, 4)}…` : classNames[i]}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
