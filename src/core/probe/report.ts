/** A grid result as text: a markdown table (taps × t, best cell in bold) and CSV, for the CLI and exports. */
import { bestCell, cellAt, type ProbeCell, type ProbeGridResult } from './types';

const pct = (v: number | null, digits = 1) => (v === null ? '–' : `${(100 * v).toFixed(digits)}`);

function cellText(c: ProbeCell, best: ProbeCell | null): string {
  if (c.status === 'failed') return 'failed';
  if (c.status !== 'done') return c.status;
  const v = pct(c.accuracy);
  return c === best ? `**${v}**` : v;
}

/** Rows are taps, columns timesteps; linear-probe test accuracy in %; kNN in a second table when run. */
export function markdownTable(r: ProbeGridResult): string {
  const best = bestCell(r.cells);
  const lines: string[] = [];
  const head = `| tap \\ t | ${r.timesteps.join(' | ')} |`;
  const rule = `|---|${r.timesteps.map(() => '---:').join('|')}|`;
  lines.push('Linear-probe test accuracy (%), best cell in bold:', '', head, rule);
  r.taps.forEach((tap, ki) => {
    lines.push(`| ${tap} | ${r.timesteps.map((_, ti) => cellText(cellAt(r, ti, ki), best)).join(' | ')} |`);
  });
  if (r.settings.knn && r.cells.some((c) => c.knnAccuracy !== null)) {
    lines.push('', `kNN (cosine, k = ${r.settings.knnK}) test accuracy (%):`, '', head, rule);
    r.taps.forEach((tap, ki) => {
      lines.push(
        `| ${tap} | ${r.timesteps.map((_, ti) => pct(cellAt(r, ti, ki).knnAccuracy)).join(' | ')} |`,
      );
    });
  }
  lines.push('');
  if (best) lines.push(`Best: ${best.tap} at t = ${best.t}, ${pct(best.accuracy, 2)}% (linear probe).`);
  if (r.baseline) {
    lines.push(
      `Raw-pixel baseline (${r.baseline.dim} features): ${pct(r.baseline.accuracy, 2)}% linear` +
        (r.baseline.knnAccuracy !== null ? `, ${pct(r.baseline.knnAccuracy, 2)}% kNN.` : '.'),
    );
  }
  const failed = r.cells.filter((c) => c.status === 'failed');
  for (const c of failed) lines.push(`Failed: ${c.tap} at t = ${c.t}: ${c.error}`);
  if (r.status === 'cancelled') lines.push('The run was cancelled: cells marked "cancelled" did not run.');
  const s = r.settings;
  lines.push(
    '',
    `${r.model.name} (${r.model.arch}) on ${r.dataset.name}: ${r.dataset.trainCount} train / ${r.dataset.testCount} test images; ` +
      `probe: ${s.probe.epochs} epochs, Adam lr ${s.probe.lr} cosine, batch ${s.probe.batchSize}, ` +
      `${s.probe.standardize ? 'standardised' : 'raw'} features; seed ${s.seed}; ${r.backend} backend; ` +
      `features ${(r.featureImages / Math.max(1e-9, r.featureMs / 1000)).toFixed(1)} images/s, total ${(r.totalMs / 1000).toFixed(1)} s.`,
  );
  return `${lines.join('\n')}\n`;
}

const csvField = (v: string | number | null) => {
  const s = v === null ? '' : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** One row per cell (and one for the raw-pixel baseline, tap "raw-pixels", t empty). */
export function gridCsv(r: ProbeGridResult): string {
  const rows: (string | number | null)[][] = [
    ['model', 'dataset', 't', 'tap', 'status', 'dim', 'linear_acc', 'train_acc', 'knn_acc', 'error'],
  ];
  for (const c of r.cells) {
    rows.push([
      r.model.name,
      r.dataset.name,
      c.t,
      c.tap,
      c.status,
      c.dim,
      c.accuracy,
      c.trainAccuracy,
      c.knnAccuracy,
      c.error,
    ]);
  }
  if (r.baseline) {
    const b = r.baseline;
    rows.push([
      r.model.name,
      r.dataset.name,
      null,
      'raw-pixels',
      'done',
      b.dim,
      b.accuracy,
      b.trainAccuracy,
      b.knnAccuracy,
      null,
    ]);
  }
  return `${rows.map((row) => row.map(csvField).join(',')).join('\n')}\n`;
}
