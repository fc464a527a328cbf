import { useAppStore } from '../../state/app-store';
import type { JobHandle } from '../../state/run-job';

/** A progress bar with its label and a Cancel button, for any running job. */
export function JobProgress({ job }: { job: JobHandle<unknown> }) {
  const running = useAppStore((s) => s.running[job.id]);
  const p = running?.progress;
  const fraction = p && p.total > 0 ? Math.min(1, p.done / p.total) : null;
  return (
    <div className="job-progress" data-testid="job-progress">
      <span className="label">{p?.label ?? `${running?.name ?? 'Working'}…`}</span>
      <progress max={1} value={fraction ?? undefined} />
      <span className="pct">{fraction === null ? '' : `${Math.round(fraction * 100)}%`}</span>
      <button type="button" className="small" onClick={job.cancel}>
        Cancel
      </button>
    </div>
  );
}
