import type { EpochStats } from '../../../core/probe/types';

const W = 300;
const H = 170;
const PAD = { left: 40, right: 40, top: 10, bottom: 34 };

/** Per epoch: the mean cross-entropy (left axis) and train / test accuracy (right axis, %). */
export function TrainingCurve({ curve }: { curve: EpochStats[] }) {
  if (curve.length === 0) return <p className="muted">No training curve.</p>;
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (e: number) =>
    PAD.left + (curve.length === 1 ? plotW / 2 : ((e - 1) / (curve.length - 1)) * plotW);
  const rawMax = Math.max(...curve.map((c) => c.loss), 1e-6);
  // A round top for the loss axis (its four ticks are quarters of it).
  const pow = 10 ** Math.floor(Math.log10(rawMax));
  const maxLoss = ([1, 2, 4, 5, 8, 10].find((m) => m * pow >= rawMax) ?? 10) * pow;
  const yl = (v: number) => PAD.top + (1 - v / maxLoss) * plotH;
  const ya = (v: number) => PAD.top + (1 - v) * plotH;
  const path = (f: (c: EpochStats) => number) =>
    curve.map((c, i) => `${i === 0 ? 'M' : 'L'}${x(c.epoch).toFixed(1)},${f(c).toFixed(1)}`).join('');
  return (
    <svg
      width={W}
      height={H}
      className="probe-curve"
      data-testid="probe-curve"
      role="img"
      aria-label="Probe training curve"
    >
      {[0, 0.25, 0.5, 0.75, 1].map((f) => (
        <g key={f}>
          <line x1={PAD.left} x2={W - PAD.right} y1={ya(f)} y2={ya(f)} className="grid" />
          <text x={W - PAD.right + 4} y={ya(f) + 4} className="axis-label">
            {100 * f}
          </text>
          <text x={PAD.left - 4} y={yl(f * maxLoss) + 4} textAnchor="end" className="axis-label">
            {Number((f * maxLoss).toPrecision(2))}
          </text>
        </g>
      ))}
      {curve.map((c) => (
        <text key={c.epoch} x={x(c.epoch)} y={H - PAD.bottom + 14} textAnchor="middle" className="axis-label">
          {curve.length <= 15 || c.epoch % 5 === 0 ? c.epoch : ''}
        </text>
      ))}
      <text x={PAD.left + plotW / 2} y={H - 4} textAnchor="middle" className="axis-title">
        epoch · <tspan className="loss-key">loss</tspan> · <tspan className="train-key">train %</tspan> ·{' '}
        <tspan className="test-key">test %</tspan>
      </text>
      <path d={path((c) => yl(c.loss))} className="curve-loss" />
      <path d={path((c) => ya(c.trainAccuracy))} className="curve-train" />
      <path d={path((c) => ya(c.testAccuracy))} className="curve-test" />
    </svg>
  );
}
