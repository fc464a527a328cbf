import { useQualityStore } from '../../../state/quality-store';
import { useSamplingStore } from '../../../state/sampling-store';
import { useUrlStore } from '../../../state/url-store';
import type { ModelSummary, QualityReport, QualityRequest, RecordedQuality } from '../../../worker/api';
import {
  countRefusal,
  MAX_QUALITY_SAMPLES,
  MIN_QUALITY_SAMPLES,
  qualityRefusal,
} from '../../../worker/quality-limits';
import { ErrorNotice } from '../../components/ErrorNotice';
import { ImageGrid } from '../../components/ImageGrid';
import { JobProgress } from '../../components/JobProgress';
import { NumberField } from '../../components/NumberField';
import { download, formatMs } from '../../format';
import { ClassCountsChart } from '../data/ClassCountsChart';

const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
const fid = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));

function samplerText(r: QualityRequest): string {
  const how = r.sampler === 'ddim' ? `DDIM ${r.steps} steps, η ${r.eta}` : `DDPM ${r.steps} steps`;
  return `${how}, seed ${r.seed}`;
}

/** The rarest and commonest class of a histogram, as "8.3% (one)". */
function extreme(fractions: number[], names: string[], pick: 'min' | 'max'): string {
  if (fractions.length === 0) return '–';
  const v = pick === 'min' ? Math.min(...fractions) : Math.max(...fractions);
  const i = fractions.indexOf(v);
  return `${pct(v)} (${names[i] ?? i})`;
}

/** The `npm run evaluate` command that draws and scores the same samples. */
function evaluateCommand(report: QualityReport): string {
  const id = report.request.modelId;
  const model = id.startsWith('shipped:')
    ? `public/models/${id.slice('shipped:'.length)}/model.safetensors`
    : 'CHECKPOINT.safetensors';
  return `npm run evaluate -- --model ${model} ${report.cli}`;
}

function exportReport(report: QualityReport, recorded: RecordedQuality | null): void {
  const { preview: _pixels, ...rest } = report;
  const json = {
    ...rest,
    classCounts: Object.fromEntries(report.classNames.map((n, i) => [n, report.classCounts[i]])),
    evaluateCommand: evaluateCommand(report),
    modelCard: recorded,
  };
  const stem = report.modelName.replace(/\W+/g, '_').replace(/^_|_$/g, '');
  download(
    `sample-quality-${stem}-n${report.samples.count}.json`,
    JSON.stringify(json, null, 2),
    'application/json',
  );
}

/** Live figures beside the model card's and the train/test floor. */
function FiguresTable({
  report,
  recorded,
}: {
  report: QualityReport | null;
  recorded: RecordedQuality | null;
}) {
  const names = report?.classNames ?? Array.from({ length: 10 }, (_, i) => String(i));
  const floor = report?.floor ?? null;
  return (
    <table className="checkpoint-table quality-table" data-testid="quality-table">
      <thead>
        <tr>
          <th />
          {report && <th>this run</th>}
          {recorded && <th>model card</th>}
          <th>floor: train vs test split</th>
        </tr>
      </thead>
      <tbody>
        <tr>
          <td>samples</td>
          {report && (
            <td>
              {report.samples.count.toLocaleString()} · {samplerText(report.request)}
            </td>
          )}
          {recorded && (
            <td>
              {recorded.samples.count.toLocaleString()} · {recorded.sampler}
            </td>
          )}
          <td>{floor ? `${floor.count.toLocaleString()} real train digits` : 'real train digits'}</td>
        </tr>
        <tr>
          <td>classifier-FID</td>
          {report && (
            <td className="num" data-testid="quality-fid">
              <b>{fid(report.samples.classifierFid)}</b>
            </td>
          )}
          {recorded && (
            <td className="num" data-testid="card-fid">
              {fid(recorded.samples.classifierFid)}
            </td>
          )}
          <td className="num" data-testid="quality-floor">
            {floor ? fid(floor.classifierFid) : recorded?.floor ? fid(recorded.floor.classifierFid) : '–'}
          </td>
        </tr>
        <tr>
          <td>confident (p ≥ {report?.confident ?? 0.9})</td>
          {report && (
            <td className="num" data-testid="quality-confident">
              <b>{pct(report.samples.confidentFraction)}</b>
            </td>
          )}
          {recorded && <td className="num">{pct(recorded.samples.confidentFraction)}</td>}
          <td className="num">
            {floor
              ? pct(floor.confidentFraction)
              : recorded?.floor
                ? pct(recorded.floor.confidentFraction)
                : '–'}
          </td>
        </tr>
        <tr>
          <td>rarest class</td>
          {report && <td className="num">{extreme(report.samples.classFractions, names, 'min')}</td>}
          {recorded && <td className="num">{extreme(recorded.samples.classFractions, names, 'min')}</td>}
          <td className="num">{floor ? extreme(floor.classFractions, names, 'min') : '–'}</td>
        </tr>
        <tr>
          <td>commonest class</td>
          {report && <td className="num">{extreme(report.samples.classFractions, names, 'max')}</td>}
          {recorded && <td className="num">{extreme(recorded.samples.classFractions, names, 'max')}</td>}
          <td className="num">{floor ? extreme(floor.classFractions, names, 'max') : '–'}</td>
        </tr>
      </tbody>
    </table>
  );
}

/**
 * "Sample quality" in the Sampling panel: draws N samples with the sampler settings on the left and scores
 * them in the worker with the shipped MNIST classifier (as `npm run evaluate` does).
 */
export function QualitySection({ model }: { model: ModelSummary | null }) {
  const params = useUrlStore((s) => s.params);
  const setParams = useUrlStore((s) => s.setParams);
  const models = useSamplingStore((s) => s.models);
  const sampleJob = useSamplingStore((s) => s.sampleJob);
  const { job, report, error } = useQualityStore();
  const { score, dismiss } = useQualityStore.getState();

  const refusal = model ? qualityRefusal(model.imageShape) : null;
  const badCount = countRefusal(params.qn);
  // The card of the model the report is about, else of the selected model.
  const reportModel = report ? models.find((m) => m.id === report.request.modelId) : null;
  const recorded = (report ? reportModel : model)?.recordedQuality ?? null;

  const start = () => {
    if (!model) return;
    const { sampler, steps, eta, seed, batch, qn } = params;
    void score({
      modelId: model.id,
      sampler,
      steps,
      eta: sampler === 'ddim' ? eta : 1,
      seed,
      batch,
      count: qn,
    });
  };

  return (
    <section className="quality" data-testid="quality-section">
      <div className="section-head">
        <h3>Sample quality</h3>
        {report && (
          <button
            type="button"
            className="small"
            onClick={() => exportReport(report, recorded)}
            data-testid="quality-export"
          >
            Export JSON
          </button>
        )}
      </div>
      <p className="muted quality-intro">
        Draws N samples with the sampler settings on the left (batch k from seed + k·batch) and scores them
        with the shipped MNIST classifier: classifier-FID of its 128-d features against the 2,000 MNIST test
        digits, the share it classifies with confidence ≥ 0.9, and the class histogram. The floor is the real
        train split scored the same way. FID is biased upwards at small N: compare runs at equal N.
      </p>
      <div className="toolbar">
        <span className="form-grid quality-count">
          <NumberField
            id="quality-n"
            label="samples N"
            value={params.qn}
            min={MIN_QUALITY_SAMPLES}
            max={MAX_QUALITY_SAMPLES}
            onChange={(qn) => setParams({ qn })}
            testId="quality-count"
            disabled={!!job}
          />
        </span>
        {job ? (
          <JobProgress job={job} />
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!model || !!refusal || !!badCount || !!sampleJob}
            title={sampleJob ? 'Wait for the sampling run to finish' : undefined}
            onClick={start}
            data-testid="quality-score"
          >
            Score
          </button>
        )}
      </div>
      {refusal && (
        <div className="notice warn" data-testid="quality-refusal">
          {refusal}
        </div>
      )}
      {error && <ErrorNotice message={error} onDismiss={dismiss} testId="quality-error" />}

      {report && (
        <p data-testid="quality-summary">
          <b>{report.modelName}</b>: classifier-FID <b>{fid(report.samples.classifierFid)}</b> (floor{' '}
          {fid(report.floor.classifierFid)}) · <b>{pct(report.samples.confidentFraction)}</b> confident ·{' '}
          {report.samples.count.toLocaleString()} samples in {formatMs(report.sampleMs)}, scored in{' '}
          {formatMs(report.scoreMs)} on {report.backend}
        </p>
      )}
      {(report || recorded) && <FiguresTable report={report} recorded={recorded} />}
      {report && (
        <div className="quality-figures">
          <figure>
            <figcaption>Predicted class of each sample</figcaption>
            <ClassCountsChart
              classNames={report.classNames}
              counts={report.classCounts}
              testId="quality-histogram"
              what="Samples"
            />
          </figure>
          <figure>
            <figcaption>
              {report.preview.count < report.samples.count
                ? `The first ${report.preview.count} of the ${report.samples.count} samples`
                : 'The scored samples'}
            </figcaption>
            <ImageGrid
              pixels={report.preview.pixels}
              height={report.preview.height}
              width={report.preview.width}
              channels={report.preview.channels}
              columns={Math.min(16, report.preview.count)}
              minCell={28}
              testId="quality-samples"
            />
          </figure>
        </div>
      )}
      {report && (
        <p className="muted hint">
          The same samples and figures from the CLI: <code>{evaluateCommand(report)}</code>
        </p>
      )}
    </section>
  );
}
