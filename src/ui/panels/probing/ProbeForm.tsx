import { parseTimesteps } from '../../../core/probe/input';
import { DEFAULT_TIMESTEPS } from '../../../core/probe/types';
import { useProbingStore } from '../../../state/probing-store';
import { useUrlStore } from '../../../state/url-store';
import type { ModelSummary } from '../../../worker/api';
import { NumberField } from '../../components/NumberField';

/** The grid's settings, all in the URL hash: data set, timesteps, taps, probe epochs / lr, image counts. */
export function ProbeForm({ model }: { model: ModelSummary | null }) {
  const params = useUrlStore((s) => s.params);
  const setParams = useUrlStore((s) => s.setParams);
  const datasets = useProbingStore((s) => s.datasets);
  const taps = useProbingStore((s) => (model && s.taps?.modelId === model.id ? s.taps.names : null));
  const defaults = useProbingStore((s) => (model && s.taps?.modelId === model.id ? s.taps.defaults : null));
  const options = [
    { id: 'mnist', label: 'MNIST · 8,000 / 2,000' },
    ...datasets
      .filter((d) => d.id !== 'mnist')
      .map((d) => ({ id: d.id, label: `${d.name} (${d.channels}×${d.height}×${d.width}, ${d.count})` })),
  ];
  const datasetId = params.pds ?? 'mnist';
  const timesteps = parseTimesteps(params.pt ?? DEFAULT_TIMESTEPS.join(','));
  const chosen = params.ptaps ? params.ptaps.split(',') : null;
  // No choice in the URL means the defaults (the decoder taps DDAE probes); encoder and middle are opt-in.
  const isOn = (tap: string) => (chosen === null ? (defaults ?? []).includes(tap) : chosen.includes(tap));
  const toggle = (tap: string) => {
    if (!taps || !defaults) return;
    const next = taps.filter((t) => (t === tap ? !isOn(t) : isOn(t)));
    const isDefault = next.length === defaults.length && next.every((t) => defaults.includes(t));
    setParams({ ptaps: isDefault ? null : next.join(',') });
  };
  const summary = datasets.find((d) => d.id === datasetId);
  const mismatch =
    model &&
    summary &&
    (summary.channels !== model.imageShape[0] ||
      summary.height !== model.imageShape[1] ||
      summary.width !== model.imageShape[2])
      ? `This model takes ${model.imageShape.join('×')} images; ${summary.name} has ${summary.channels}×${summary.height}×${summary.width}.`
      : null;

  return (
    <div className="form-grid probe-form">
      <label htmlFor="probe-data">data</label>
      <select
        id="probe-data"
        value={datasetId}
        onChange={(e) => setParams({ pds: e.target.value === 'mnist' ? null : e.target.value })}
        data-testid="probe-dataset"
      >
        {options.map((o) => (
          <option key={o.id} value={o.id}>
            {o.label}
          </option>
        ))}
      </select>
      {mismatch && <span className="hint bad">{mismatch}</span>}
      <label htmlFor="probe-t">timesteps</label>
      <input
        id="probe-t"
        type="text"
        value={params.pt ?? DEFAULT_TIMESTEPS.join(',')}
        onChange={(e) =>
          setParams({ pt: e.target.value.trim() === DEFAULT_TIMESTEPS.join(',') ? null : e.target.value })
        }
        data-testid="probe-timesteps"
      />
      {!timesteps.ok && <span className="hint bad">{timesteps.error}</span>}
      <span className="hint muted">DDPM t in [0, 1000]; DDAE probes t = 11 (σ ≈ 0.047).</span>
      <span className="field-label">taps</span>
      <div className="tap-list" data-testid="probe-taps">
        {taps === null ? (
          <span className="muted">{model ? 'reading the model…' : 'choose a model'}</span>
        ) : (
          taps.map((tap) => (
            <label
              key={tap}
              className={`tap-choice${defaults?.includes(tap) ? '' : ' extra'}`}
              title={defaults?.includes(tap) ? undefined : 'optional extra tap (encoder or middle block)'}
            >
              <input type="checkbox" checked={isOn(tap)} onChange={() => toggle(tap)} />
              {tap}
            </label>
          ))
        )}
      </div>
      <NumberField
        id="probe-train"
        label="train imgs"
        value={params.ptrain}
        min={10}
        max={100_000}
        onChange={(ptrain) => setParams({ ptrain })}
        testId="probe-train"
      />
      <NumberField
        id="probe-test"
        label="test imgs"
        value={params.ptest}
        min={10}
        max={100_000}
        onChange={(ptest) => setParams({ ptest })}
        testId="probe-test"
      />
      <NumberField
        id="probe-epochs"
        label="epochs"
        value={params.pep}
        min={1}
        max={500}
        onChange={(pep) => setParams({ pep })}
        testId="probe-epochs"
      />
      <NumberField
        id="probe-lr"
        label="lr"
        value={params.plr}
        min={1e-6}
        max={1}
        step={0.001}
        onChange={(plr) => setParams({ plr })}
        testId="probe-lr"
      />
      <label htmlFor="probe-knn">kNN</label>
      <span>
        <input
          id="probe-knn"
          type="checkbox"
          checked={params.pknn === 'on'}
          onChange={(e) => setParams({ pknn: e.target.checked ? 'on' : 'off' })}
        />{' '}
        <span className="muted">cosine, k = 20</span>
      </span>
      <span className="hint muted">
        Linear probe: Adam, cosine schedule, batch 128, standardised features. Each image is noised once per t
        (seeded).
      </span>
    </div>
  );
}
