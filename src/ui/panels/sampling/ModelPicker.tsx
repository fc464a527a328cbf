import { useEffect } from 'react';
import { useSamplingStore } from '../../../state/sampling-store';
import { useUrlStore } from '../../../state/url-store';
import type { UploadedFile } from '../../../worker/api';
import { JobProgress } from '../../components/JobProgress';

/**
 * Lists the models the worker knows and imports a checkpoint (safetensors + optional config JSON). On the
 * app's defaults (no model in the URL) it selects the shipped model, so Sampling and Probing work at once.
 */
export function ModelPicker() {
  const models = useSamplingStore((s) => s.models);
  const importJob = useSamplingStore((s) => s.importJob);
  const { importCheckpoint, deleteModel } = useSamplingStore.getState();
  const selected = useUrlStore((s) => s.params.model);
  const setParams = useUrlStore((s) => s.setParams);
  const shippedId = models.find((m) => m.id.startsWith('shipped:'))?.id;
  useEffect(() => {
    if (!selected && shippedId) setParams({ model: shippedId });
  }, [selected, shippedId, setParams]);

  const onFiles = (list: FileList | null) => {
    const files: UploadedFile[] = Array.from(list ?? [], (file) => ({ path: file.name, file }));
    if (files.length) void importCheckpoint(files);
  };

  return (
    <div className="model-picker">
      <h3>Model</h3>
      {models.length === 0 ? (
        <p className="muted">
          No model yet. Import a DDAE UNet or DiT checkpoint trained with the official code: a{' '}
          <code>.safetensors</code> file keyed by the official parameter names (
          <code>ema_model.nn_model.*</code> and the like), with its config in the metadata or in a{' '}
          <code>.json</code> beside it.
        </p>
      ) : (
        <ul className="dataset-list" data-testid="model-list">
          {models.map((m) => (
            <li key={m.id} className={m.id === selected ? 'active' : undefined}>
              <button type="button" className="link" onClick={() => setParams({ model: m.id })}>
                {m.name}
              </button>
              <span className="muted">
                {' '}
                {m.arch.toUpperCase()} · {m.imageShape.join('×')} · {(m.paramCount / 1e6).toFixed(2)}M params
                {m.persisted ? ' · saved' : ''}
              </span>
              {!m.id.startsWith('shipped:') && (
                <button
                  type="button"
                  className="link danger"
                  title="Delete"
                  onClick={() => void deleteModel(m.id)}
                >
                  ✕
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      <label className="button">
        Import checkpoint…
        <input
          type="file"
          multiple
          accept=".safetensors,.json"
          disabled={!!importJob}
          data-testid="import-checkpoint"
          onChange={(e) => {
            onFiles(e.target.files);
            e.target.value = '';
          }}
        />
      </label>
      {importJob && <JobProgress job={importJob} />}
    </div>
  );
}
