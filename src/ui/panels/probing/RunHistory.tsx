import { useRef } from 'react';
import { useProbingStore } from '../../../state/probing-store';
import { Heatmap } from './Heatmap';

const pct = (v: number | null) => (v === null ? '–' : `${(100 * v).toFixed(1)}%`);

/**
 * The shipped models' grids and this browser's runs (IndexedDB): open one, import one from JSON, or tick
 * several to see their heatmaps side by side.
 */
export function RunHistory() {
  const { runs, comparedIds, compared, job } = useProbingStore();
  const { openRun, deleteRun, toggleCompare, importRun } = useProbingStore.getState();
  const fileInput = useRef<HTMLInputElement>(null);
  return (
    <section className="probe-runs" data-testid="probe-runs">
      <div className="section-head">
        <h3>Stored runs</h3>
        <button type="button" className="small" onClick={() => fileInput.current?.click()}>
          Import results (.json)…
        </button>
        <input
          ref={fileInput}
          type="file"
          accept=".json,application/json"
          hidden
          data-testid="probe-import"
          onChange={(e) => {
            const file = e.target.files?.[0];
            e.target.value = '';
            if (file) void importRun(file);
          }}
        />
      </div>
      {runs.length === 0 ? (
        <p className="muted">
          None yet: runs are stored here as they finish, and grids exported as JSON (or written by npm run
          probe) can be imported.
        </p>
      ) : (
        <table className="checkpoint-table">
          <thead>
            <tr>
              <th>compare</th>
              <th>model</th>
              <th>data</th>
              <th>best cell</th>
              <th className="num">raw pixels</th>
              <th>when</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {runs.map((r) => (
              <tr key={r.id}>
                <td>
                  <input
                    type="checkbox"
                    checked={comparedIds.includes(r.id)}
                    onChange={() => void toggleCompare(r.id)}
                    aria-label={`compare ${r.modelName}`}
                  />
                </td>
                <td>
                  {r.modelName} <span className="muted">{r.arch.toUpperCase()}</span>
                  {r.shipped && (
                    <span className="tag" title="Computed by npm run probe and shipped with the model">
                      shipped
                    </span>
                  )}
                </td>
                <td>{r.datasetName}</td>
                <td>
                  {r.best ? `${pct(r.best.accuracy)} (${r.best.tap}, t = ${r.best.t})` : '–'}
                  {r.status === 'cancelled' && (
                    <span className="tag" title={`${r.doneCells} of ${r.cells} cells ran`}>
                      cancelled
                    </span>
                  )}
                </td>
                <td className="num">{pct(r.baseline)}</td>
                <td className="muted">{r.createdAt ? new Date(r.createdAt).toLocaleString() : '–'}</td>
                <td className="actions">
                  <button type="button" className="small" disabled={!!job} onClick={() => void openRun(r.id)}>
                    Open
                  </button>
                  {!r.shipped && (
                    <button
                      type="button"
                      className="link danger"
                      title="Delete"
                      onClick={() => void deleteRun(r.id)}
                    >
                      ✕
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {compared.length > 0 && (
        <div className="compare-row" data-testid="probe-compare">
          {compared.map(({ id, result: r }, i) => (
            <figure key={id}>
              <figcaption>
                <b>{r.model.name}</b> on {r.dataset.name}
                <span className="muted">
                  {' '}
                  · raw pixels {pct(r.baseline?.accuracy ?? null)}
                  {r.status === 'cancelled' ? ' · cancelled' : ''}
                </span>
              </figcaption>
              <Heatmap
                taps={r.taps}
                timesteps={r.timesteps}
                cells={r.cells}
                baseline={r.baseline}
                compact
                testId={`compare-heatmap-${i}`}
              />
            </figure>
          ))}
        </div>
      )}
    </section>
  );
}
