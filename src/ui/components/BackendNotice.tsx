import { useAppStore } from '../../state/app-store';
import { requestedBackend } from '../start-backend';

/** Says loudly when the app is not on WebGPU, and why, or when no backend could start at all. */
export function BackendNotice() {
  const backend = useAppStore((s) => s.backend);
  const error = useAppStore((s) => s.backendError);
  const { invalid } = requestedBackend(location.search);

  if (error) {
    return (
      <div className="notice error" role="alert">
        No compute backend could start: {error} Reload the page, or try{' '}
        <a href="?backend=cpu">?backend=cpu</a>.
      </div>
    );
  }
  const lines: string[] = [];
  if (invalid)
    lines.push(`Unknown backend "${invalid}" in the URL was ignored; use webgpu, webgl, wasm or cpu.`);
  if (backend && backend.name !== 'webgpu') {
    const webgpu = backend.skipped.find((s) => s.name === 'webgpu');
    if (backend.requested === backend.name) {
      lines.push(`Running on ${backend.name} because the URL asks for it (?backend=${backend.name}).`);
    } else if (webgpu) {
      lines.push(
        `WebGPU is not in use: ${webgpu.reason} Running on ${backend.name} instead; expect slower jobs.`,
      );
    }
    if (backend.requested && backend.requested !== backend.name) {
      const why = backend.skipped.find((s) => s.name === backend.requested);
      lines.push(
        `The requested backend ${backend.requested} could not start${why ? `: ${why.reason}` : ''}.`,
      );
    }
  }
  if (lines.length === 0) return null;
  return (
    <div className="notice warn" role="status" data-testid="backend-notice">
      {lines.map((l) => (
        <div key={l}>{l}</div>
      ))}
    </div>
  );
}
