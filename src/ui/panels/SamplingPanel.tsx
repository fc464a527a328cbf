import { useEffect, useRef } from 'react';
import { samplingTimes } from '../../core/diffusion/samplers/times';
import { useAppStore } from '../../state/app-store';
import { useQualityStore } from '../../state/quality-store';
import { useSamplingStore } from '../../state/sampling-store';
import { SAMPLERS } from '../../state/url-state';
import { useUrlStore } from '../../state/url-store';
import { ErrorNotice } from '../components/ErrorNotice';
import { ImageGrid } from '../components/ImageGrid';
import { JobProgress } from '../components/JobProgress';
import { NumberField } from '../components/NumberField';
import { compute } from '../compute-client';
import { download, formatMs } from '../format';
import { ModelCard } from './sampling/ModelCard';
import { ModelPicker } from './sampling/ModelPicker';
import { QualitySection } from './sampling/QualitySection';

/** Run DDPM/DDIM from a model, watch x_t and the predicted x0 at every step, scrub the trajectory after. */
export function SamplingPanel() {
  const params = useUrlStore((s) => s.params);
  const setParams = useUrlStore((s) => s.setParams);
  const { models, sampleJob, frame, run, error, scrubIndex } = useSamplingStore();
  const { refreshModels, sample, scrub, dismiss } = useSamplingStore.getState();
  const progress = useAppStore((s) => (sampleJob ? s.running[sampleJob.id]?.progress : null));
  const scoring = useQualityStore((s) => s.job !== null);
  const finalGrid = useRef<HTMLCanvasElement | null>(null);
  const model = models.find((m) => m.id === params.model) ?? null;

  useEffect(() => {
    void refreshModels();
  }, [refreshModels]);

  const start = () => {
    if (!model) return;
    const { sampler, steps, eta, seed, batch } = params;
    void sample({ modelId: model.id, sampler, steps, eta: sampler === 'ddim' ? eta : 1, seed, batch });
  };

  const networkCalls = samplingTimes(params.steps, 1000).length - 1;
  const [channels, height, width] = model?.imageShape ?? [1, 28, 28];
  const shape = run ? run.summary : { channels, height, width, batch: params.batch };
  const columns = Math.ceil(
    Math.sqrt(frame ? frame.xt.length / (shape.height * shape.width * shape.channels) : 1),
  );

  return (
    <div className="data-panel">
      <aside className="sidebar">
        <ModelPicker />
        <h3>Sampler</h3>
        <div className="form-grid">
          <label htmlFor="sampler">sampler</label>
          <select
            id="sampler"
            value={params.sampler}
            onChange={(e) => setParams({ sampler: e.target.value as (typeof SAMPLERS)[number] })}
            data-testid="sampler-select"
          >
            {SAMPLERS.map((s) => (
              <option key={s} value={s}>
                {s.toUpperCase()}
              </option>
            ))}
          </select>
          <NumberField
            id="steps"
            label="steps"
            value={params.steps}
            min={1}
            max={1000}
            onChange={(steps) => setParams({ steps })}
            testId="steps-input"
          />
          {networkCalls !== params.steps && (
            <span className="muted hint" data-testid="steps-hint">
              {params.steps} steps run as {networkCalls}: the official code keeps the integer stride ⌊1000 /{' '}
              {params.steps}⌋
            </span>
          )}
          {params.sampler === 'ddim' && (
            <NumberField
              id="eta"
              label="η"
              value={params.eta}
              min={0}
              max={1}
              step={0.1}
              onChange={(eta) => setParams({ eta })}
            />
          )}
          <label htmlFor="seed">seed</label>
          <span>
            <input
              id="seed"
              type="number"
              min={0}
              value={params.seed}
              onChange={(e) => setParams({ seed: Math.max(0, Math.round(Number(e.target.value) || 0)) })}
              data-testid="seed-input"
            />{' '}
            <button
              type="button"
              className="small"
              title="A random seed"
              onClick={() => setParams({ seed: Math.floor(Math.random() * 2 ** 31) })}
            >
              ⟳
            </button>
          </span>
          <NumberField
            id="batch"
            label="batch"
            value={params.batch}
            min={1}
            max={64}
            onChange={(batch) => setParams({ batch })}
            testId="batch-input"
          />
        </div>
        {sampleJob ? (
          <JobProgress job={sampleJob} />
        ) : (
          <button
            type="button"
            className="primary"
            disabled={!model || scoring}
            title={scoring ? 'Wait for the sample-quality score to finish' : undefined}
            onClick={start}
            data-testid="sample-button"
          >
            Sample
          </button>
        )}
        {error && <ErrorNotice message={error} onDismiss={dismiss} testId="sampling-error" />}
      </aside>

      <section className="data-main">
        {!frame ? (
          <>
            <p className="muted">
              {model
                ? 'Press Sample: every denoising step streams in, x_t on the left and the predicted x0 on the right.'
                : 'Import or choose a model to sample from.'}
            </p>
            {model && <ModelCard model={model} />}
          </>
        ) : (
          <>
            <p data-testid="frame-info">
              step <b>{frame.step + 1}</b> of {frame.total} · t = <b>{frame.t}</b>
              {progress && sampleJob && ` · ${progress.label}`}
              {run &&
                ` · ${formatMs(run.summary.msPerStep)} per step (first step ${formatMs(run.summary.firstStepMs)}${run.summary.compileMs > 0 ? `, after compiling shaders in ${formatMs(run.summary.compileMs)}` : ''})`}
            </p>
            <div className="frame-pair">
              <figure>
                <figcaption>x_t</figcaption>
                <ImageGrid
                  pixels={frame.xt}
                  height={shape.height}
                  width={shape.width}
                  channels={shape.channels}
                  columns={columns}
                  testId="xt-grid"
                />
              </figure>
              <figure>
                <figcaption>predicted x₀</figcaption>
                <ImageGrid
                  pixels={frame.x0}
                  height={shape.height}
                  width={shape.width}
                  channels={shape.channels}
                  columns={columns}
                  testId="x0-grid"
                  canvasRef={finalGrid}
                />
              </figure>
            </div>
            {run && (
              <div className="toolbar">
                <label className="scrubber">
                  step{' '}
                  <input
                    type="range"
                    min={0}
                    max={run.summary.storedSteps - 1}
                    value={scrubIndex}
                    onChange={(e) => void scrub(Number(e.target.value))}
                    data-testid="scrubber"
                  />
                </label>
                <button
                  type="button"
                  className="small"
                  onClick={() =>
                    finalGrid.current?.toBlob(
                      (b) =>
                        b &&
                        download(`samples-seed${run.request.seed}-step${frame.step + 1}.png`, b, 'image/png'),
                    )
                  }
                >
                  Export PNG
                </button>
                <button
                  type="button"
                  className="small"
                  onClick={async () =>
                    download(
                      `trajectory-seed${run.request.seed}.safetensors`,
                      await compute().exportTrajectory(),
                      'application/octet-stream',
                    )
                  }
                >
                  Export trajectory (safetensors)
                </button>
              </div>
            )}
          </>
        )}
        <QualitySection model={model} />
      </section>
    </div>
  );
}
