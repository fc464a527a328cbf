import { useEffect, useRef, useState } from 'react';
import { parseTimesteps } from '../../core/probe/input';
import { bestCell, DEFAULT_TIMESTEPS, type ProbeGridResult } from '../../core/probe/types';
import { useAppStore } from '../../state/app-store';
import { type ProbeView, useProbingStore } from '../../state/probing-store';
import { useSamplingStore } from '../../state/sampling-store';
import { useUrlStore } from '../../state/url-store';
import { ErrorNotice } from '../components/ErrorNotice';
import { JobProgress } from '../components/JobProgress';
import { formatMs } from '../format';
import { AccuracyLines } from './probing/AccuracyLines';
import { CellDetails } from './probing/CellDetails';
import { exportCsv, exportJson, exportSvgPng, runFileStem } from './probing/export';
import { Heatmap } from './probing/Heatmap';
import { ProbeForm } from './probing/ProbeForm';
import { RunHistory } from './probing/RunHistory';
import { ModelPicker } from './sampling/ModelPicker';

const pct = (v: number | null | undefined, d = 1) =>
  v === null || v === undefined ? '–' : `${(100 * v).toFixed(d)}%`;

const asResult = (v: ProbeView): ProbeGridResult => ({
  ...v,
  status: v.status === 'running' ? 'cancelled' : v.status,
});

/** Which layer, at which noise level, knows the class: the DDAE grid of linear probes, streamed in. */
export function ProbingPanel() {
  const params = useUrlStore((s) => s.params);
  const models = useSamplingStore((s) => s.models);
  const { view, job, selected, error, datasets } = useProbingStore();
  const { refreshDatasets, refreshTaps, refreshRuns, run, select, dismiss } = useProbingStore.getState();
  const progress = useAppStore((s) => (job ? s.running[job.id]?.progress : null));
  const [metric, setMetric] = useState<'linear' | 'knn'>('linear');
  const heatmapRef = useRef<SVGSVGElement | null>(null);
  const byTRef = useRef<SVGSVGElement | null>(null);
  const byTapRef = useRef<SVGSVGElement | null>(null);
  const model = models.find((m) => m.id === params.model) ?? null;

  useEffect(() => {
    void useSamplingStore.getState().refreshModels();
    void refreshDatasets();
    void refreshRuns();
  }, [refreshDatasets, refreshRuns]);

  useEffect(() => {
    if (model) void refreshTaps(model.id);
  }, [model, refreshTaps]);

  const timesteps = parseTimesteps(params.pt ?? DEFAULT_TIMESTEPS.join(','));
  const start = () => {
    if (!model || !timesteps.ok) return;
    const datasetId = params.pds ?? 'mnist';
    void run(
      {
        modelId: model.id,
        datasetId,
        settings: {
          timesteps: timesteps.value,
          taps: params.ptaps ? params.ptaps.split(',') : null,
          trainCount: params.ptrain,
          testCount: params.ptest,
          featureBatch: 32,
          seed: 0,
          probe: { epochs: params.pep, lr: params.plr, batchSize: 128, standardize: true, seed: 0 },
          knn: params.pknn === 'on',
          knnK: 20,
          rawBaseline: true,
        },
      },
      { model, dataset: datasets.find((d) => d.id === datasetId) ?? null },
    );
  };

  const best = view ? bestCell(view.cells) : null;
  const hasKnn = !!view && view.cells.some((c) => c.knnAccuracy !== null);
  const shownMetric = hasKnn ? metric : 'linear';
  const cellValue = (c: ProbeView['cells'][number]) =>
    c.status !== 'done' ? null : shownMetric === 'linear' ? c.accuracy : c.knnAccuracy;
  const baselineValue = view?.baseline
    ? shownMetric === 'linear'
      ? view.baseline.accuracy
      : view.baseline.knnAccuracy
    : null;
  const doneCells = view ? view.cells.filter((c) => c.status === 'done').length : 0;

  return (
    <div className="data-panel">
      <aside className="sidebar">
        <ModelPicker />
        <h3>Probe grid</h3>
        <ProbeForm model={model} />
        {job ? (
          <JobProgress job={job} />
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!model || !timesteps.ok}
            onClick={start}
            data-testid="probe-run"
          >
            Run probes
          </button>
        )}
        {error && <ErrorNotice message={error} onDismiss={dismiss} testId="probing-error" />}
      </aside>

      <section className="data-main probing-main">
        {!view ? (
          <div className="muted">
            <p>
              DDAE's experiment: noise each image to timestep t, run the denoiser once, pool every decoder
              block's output, and train a linear classifier on those features, one per (block, t). Accuracy
              well above the raw-pixel probe at a small t says the denoiser has learned the classes without
              labels. The UNet's encoder blocks and middle block are optional extra taps (in italics).
            </p>
            <p>
              {model
                ? 'Choose the data set and timesteps, then Run probes.'
                : 'Import or choose a model first.'}
            </p>
          </div>
        ) : (
          <>
            <div className="summary">
              <h2>
                {view.model.name} <span className="muted">on</span> {view.dataset.name}
              </h2>
              <p data-testid="probe-summary">
                {view.status === 'running'
                  ? `${doneCells} of ${view.cells.length || '…'} cells${progress ? ` · ${progress.label}` : ''}`
                  : `${view.status === 'cancelled' ? 'Cancelled: ' : ''}${doneCells} of ${view.cells.length} cells · ${view.dataset.trainCount} train / ${view.dataset.testCount} test images · ${view.backend}, ${formatMs(view.totalMs)} (features ${(view.featureImages / Math.max(1e-9, view.featureMs / 1000)).toFixed(1)} images/s)`}
                {!view.live && ' · stored run'}
              </p>
              {view.notes.map((n) => (
                <p key={n} className="muted">
                  {n}
                </p>
              ))}
              <p data-testid="probe-baseline">
                {best && (
                  <>
                    Best: <b>{pct(best.accuracy, 2)}</b> at {best.tap}, t = {best.t}.{' '}
                  </>
                )}
                Raw-pixel baseline:{' '}
                {view.baseline
                  ? `${pct(view.baseline.accuracy, 2)} linear${view.baseline.knnAccuracy !== null ? `, ${pct(view.baseline.knnAccuracy, 2)} kNN` : ''}`
                  : view.status === 'running'
                    ? '…'
                    : '–'}
              </p>
            </div>
            <div className="toolbar">
              {hasKnn && (
                <span className="toggle">
                  <button
                    type="button"
                    className={`small${shownMetric === 'linear' ? ' active' : ''}`}
                    onClick={() => setMetric('linear')}
                  >
                    linear probe
                  </button>
                  <button
                    type="button"
                    className={`small${shownMetric === 'knn' ? ' active' : ''}`}
                    onClick={() => setMetric('knn')}
                  >
                    kNN
                  </button>
                </span>
              )}
              <button
                type="button"
                className="small"
                disabled={view.status === 'running'}
                onClick={() => exportCsv(asResult(view))}
                data-testid="export-csv"
              >
                Export CSV
              </button>
              <button
                type="button"
                className="small"
                disabled={view.status === 'running'}
                onClick={() => exportJson(asResult(view))}
                data-testid="export-json"
              >
                Export JSON
              </button>
              <button
                type="button"
                className="small"
                onClick={() =>
                  heatmapRef.current &&
                  void exportSvgPng(heatmapRef.current, `${runFileStem(view)}-heatmap-${shownMetric}.png`)
                }
                data-testid="export-heatmap-png"
              >
                Heatmap PNG
              </button>
            </div>
            <div className="probe-figures">
              <figure>
                <figcaption>
                  {shownMetric === 'linear' ? 'Linear-probe' : 'kNN'} test accuracy (%) · best cell outlined ·
                  click a cell
                </figcaption>
                <Heatmap
                  taps={view.taps}
                  timesteps={view.timesteps}
                  cells={view.cells}
                  baseline={view.baseline}
                  selected={selected}
                  onSelect={(c) => select({ t: c.t, tap: c.tap })}
                  metric={shownMetric}
                  svgRef={heatmapRef}
                  running={view.status === 'running'}
                />
              </figure>
              {view.taps.length > 0 && (
                <div className="line-charts">
                  <AccuracyLines
                    title="Accuracy vs timestep, one line per tap"
                    xLabels={view.timesteps.map(String)}
                    xTitle="t"
                    series={view.taps.map((tap, ki) => ({
                      name: tap,
                      values: view.timesteps.map((_, ti) => {
                        const c = view.cells[ti * view.taps.length + ki];
                        return c ? cellValue(c) : null;
                      }),
                    }))}
                    baseline={baselineValue}
                    svgRef={byTRef}
                    onExport={() =>
                      byTRef.current && void exportSvgPng(byTRef.current, `${runFileStem(view)}-by-t.png`)
                    }
                    testId="chart-by-t"
                  />
                  <AccuracyLines
                    title="Accuracy vs tap, one line per timestep"
                    xLabels={view.taps}
                    xTitle="tap (forward order)"
                    series={view.timesteps.map((t, ti) => ({
                      name: `t = ${t}`,
                      values: view.taps.map((_, ki) => {
                        const c = view.cells[ti * view.taps.length + ki];
                        return c ? cellValue(c) : null;
                      }),
                    }))}
                    baseline={baselineValue}
                    svgRef={byTapRef}
                    onExport={() =>
                      byTapRef.current &&
                      void exportSvgPng(byTapRef.current, `${runFileStem(view)}-by-tap.png`)
                    }
                    testId="chart-by-tap"
                  />
                </div>
              )}
            </div>
            <CellDetails />
          </>
        )}
        <RunHistory />
      </section>
    </div>
  );
}
