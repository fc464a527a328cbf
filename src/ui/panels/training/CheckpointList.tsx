import type { TrainingCheckpointInfo } from '../../../worker/api';
import { formatBytes } from '../../format';

const KIND_LABEL: Record<TrainingCheckpointInfo['kind'], string> = {
  auto: 'auto',
  manual: 'saved',
  final: 'end',
  upload: 'uploaded',
};

export const formatDate = (ms: number) =>
  new Date(ms).toLocaleString(undefined, {
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  });

/** Stored checkpoints, newest first, with what can be done with each; and the upload of one. */
export function CheckpointList({
  checkpoints,
  busy,
  onDownload,
  onResume,
  onUse,
  onDelete,
  onUpload,
}: {
  checkpoints: TrainingCheckpointInfo[];
  /** A run is active: resuming another is not possible now. */
  busy: boolean;
  onDownload: (c: TrainingCheckpointInfo) => void;
  onResume: (c: TrainingCheckpointInfo) => void;
  onUse: (c: TrainingCheckpointInfo) => void;
  onDelete: (c: TrainingCheckpointInfo) => void;
  onUpload: (file: File) => void;
}) {
  return (
    <div className="checkpoints">
      <div className="section-head">
        <h3>Checkpoints</h3>
        <label className="button small">
          Upload .safetensors…
          <input
            type="file"
            accept=".safetensors"
            data-testid="upload-training-checkpoint"
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) onUpload(file);
              e.target.value = '';
            }}
          />
        </label>
      </div>
      {checkpoints.length === 0 ? (
        <p className="muted">
          None yet. Runs save here automatically (every “save every” steps and at the end) and on demand;
          checkpoints stay in this browser across reloads.
        </p>
      ) : (
        <table className="checkpoint-table" data-testid="checkpoint-list">
          <thead>
            <tr>
              <th>run</th>
              <th className="num">step</th>
              <th className="num" title="The smoothed training loss when it was saved">
                loss
              </th>
              <th>saved</th>
              <th className="num">size</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {checkpoints.map((c) => (
              <tr key={c.id} data-testid="checkpoint-row">
                <td title={`${c.datasetName} · batch ${c.batchSize} · lr ${c.lr}`}>
                  {c.arch === 'unet' ? 'UNet' : 'DiT'}
                  {c.preset ? ` ${c.preset}` : ''} <span className="muted">· {c.datasetName}</span>
                </td>
                <td className="num">
                  {c.step}
                  {c.targetSteps !== null && <span className="muted">/{c.targetSteps}</span>}
                </td>
                <td className="num">{c.loss === null ? '–' : c.loss.toFixed(4)}</td>
                <td>
                  {formatDate(c.createdAt)} <span className="tag">{KIND_LABEL[c.kind]}</span>
                </td>
                <td className="num muted">{formatBytes(c.bytes)}</td>
                <td className="actions">
                  <button type="button" className="small" onClick={() => onDownload(c)}>
                    Download
                  </button>
                  <button type="button" className="small" disabled={busy} onClick={() => onResume(c)}>
                    Resume
                  </button>
                  <button type="button" className="small" onClick={() => onUse(c)}>
                    Use in Sampling
                  </button>
                  <button type="button" className="link danger" title="Delete" onClick={() => onDelete(c)}>
                    ✕
                  </button>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
