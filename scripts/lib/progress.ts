/** A one-line progress bar for the CLIs on stderr: done/total, a bar, rate, ETA and free-form fields. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h > 0 ? `${h}h${String(m).padStart(2, '0')}m` : `${m}m${String(s % 60).padStart(2, '0')}s`;
}

export class ProgressBar {
  private readonly started = performance.now();
  private lastDraw = 0;

  constructor(
    private readonly total: number,
    private readonly startAt = 0,
    private readonly unit = 'steps',
  ) {}

  update(done: number, fields: Record<string, string> = {}, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastDraw < 250) return;
    this.lastDraw = now;
    const elapsed = (now - this.started) / 1000;
    const rate = (done - this.startAt) / Math.max(elapsed, 1e-9);
    const eta = (this.total - done) / rate;
    const width = 24;
    const filled = Math.round((width * done) / Math.max(this.total, 1));
    const bar = `${'#'.repeat(filled)}${'.'.repeat(width - filled)}`;
    const extra = Object.entries(fields)
      .map(([k, v]) => `${k} ${v}`)
      .join('  ');
    const line = `[${bar}] ${done}/${this.total} ${this.unit}  ${rate.toFixed(2)}/s  ETA ${formatDuration(eta)}  ${extra}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}\x1b[K`);
    else process.stderr.write(`${line}\n`);
  }

  done(): void {
    if (process.stderr.isTTY) process.stderr.write('\n');
  }
}
