import { useEffect } from 'react';
import { useDataStore } from '../../state/data-store';
import { saveBytes, useTrainingStore } from '../../state/training-store';
import { useUrlStore } from '../../state/url-store';
import type { TrainingCheckpointInfo, TrainingSchedule } from '../../worker/api';
import { ErrorNotice } from '../components/ErrorNotice';
import { ImageGrid } from '../components/ImageGrid';
import { formatBytes, formatMs } from '../format';
import { CheckpointList, formatDate } from './training/CheckpointList';
import { LossChart } from './training/LossChart';
import { TrainingForm } from './training/TrainingForm';

const ACTIVE = ['starting', 'running', 'paused', 'stopping'];

const formatLr = (lr: number) => (lr >= 0.01 ? String(lr) : lr.toExponential(1));

/** Train a UNet or DiT in the worker: live loss, steps/s, EMA previews, checkpoints in IndexedDB. */
export function TrainingPanel() {
  const params = useUrlStore((s) => s.params);
  const setParams = useUrlStore((s) => s.setParams);
  const datasets = useDataStore((s) => s.datasets);
  const s = useTrainingStore();
  const actions = useTrainingStore.getState();
  const active = ACTIVE.includes(s.phase);
  const datasetId = params.tds ?? 'mnist';

  const { refreshCheckpoints, checkOffer } = actions;
  useEffect(() => {
    void useDataStore.getState().refreshList();
    void refreshCheckpoints();
    void checkOffer();
  }, [refreshCheckpoints, checkOffer]);

  const schedule: Omit<TrainingSchedule, 'steps'> = {
    previewEvery: params.pvery,
    previewCount: params.pvn,
    previewSteps: params.pvs,
    saveEvery: params.tsave,
  };
  const start = () =>
    void actions.start({
      datasetId,
      arch: params.arch,
      preset: params.preset,
      batchSize: params.tbatch,
      lr: params.lr,
      dropout: params.arch === 'unet' ? params.tdrop : 0,
      lrSchedule: params.tsched,
      steps: params.tsteps,
      ...schedule,
    });
  const resume = (c: TrainingCheckpointInfo, lr?: number) =>
    void actions.resumeFrom({
      checkpointId: c.id,
      // An uploaded checkpoint trains on the chosen set; one from this browser on its own.
      datasetId: c.datasetId ? null : datasetId,
      steps: c.targetSteps !== null && c.step < c.targetSteps ? c.targetSteps : params.tsteps,
      ...schedule,
      ...(lr === undefined ? {} : { lr }),
    });

  const p = s.progress;
  const run = s.run;
  const lastGood = s.phase === 'failed' ? s.checkpoints.find((c) => c.runId === run?.runId) : undefined;
  const memory = p?.memory;
  const previewColumns = s.preview ? Math.ceil(Math.sqrt(s.preview.count)) : 1;

  return (
    <div className="data-panel training-panel">
      <aside className="sidebar">
        <h2>New run</h2>
        <TrainingForm
          params={params}
          setParams={setParams}
          datasets={datasets}
          datasetId={datasetId}
          disabled={active}
        />
        <div className="controls" data-testid="training-controls">
          {!active || s.phase === 'starting' ? (
            <button
              type="button"
              className="primary"
              onClick={start}
              disabled={s.phase === 'starting'}
              data-testid="train-start"
            >
              {s.phase === 'starting' ? 'Starting…' : 'Start training'}
            </button>
          ) : (
            <>
              {s.phase === 'paused' ? (
                <button
                  type="button"
                  className="primary"
                  onClick={() => void actions.continueRun()}
                  disabled={!!s.pending}
                  data-testid="train-continue"
                >
                  Resume
                </button>
              ) : (
                <button
                  type="button"
                  onClick={() => void actions.pause()}
                  disabled={!!s.pending || s.phase === 'stopping'}
                  data-testid="train-pause"
                >
                  {s.pending === 'pause' ? 'Pausing…' : 'Pause'}
                </button>
              )}
              <button
                type="button"
                onClick={() => void actions.stop()}
                disabled={s.phase === 'stopping' || s.pending === 'stop'}
                data-testid="train-stop"
              >
                {s.phase === 'stopping' ? 'Stopping…' : 'Stop'}
              </button>
              <button
                type="button"
                onClick={() => void actions.saveNow()}
                disabled={!!s.pending || s.phase === 'stopping'}
                data-testid="train-save"
              >
                {s.pending === 'save' ? 'Saving…' : 'Save checkpoint'}
              </button>
            </>
          )}
        </div>
        {s.error && <ErrorNotice message={s.error} onDismiss={actions.dismiss} testId="training-error" />}
      </aside>

      <section className="data-main">
        {s.offer && !active && (
          <div className="notice warn offer" data-testid="resume-offer">
            An unfinished run is stored: <b>{s.offer.arch === 'unet' ? 'UNet' : 'DiT'}</b>
            {s.offer.preset ? ` ${s.offer.preset}` : ''} on {s.offer.datasetName}, step {s.offer.step} of{' '}
            {s.offer.targetSteps}, saved {formatDate(s.offer.createdAt)}.{' '}
            <button
              type="button"
              className="small primary"
              onClick={() => s.offer && resume(s.offer)}
              data-testid="resume-offer-button"
            >
              Resume it
            </button>{' '}
            <button type="button" className="link" onClick={actions.dismissOffer}>
              dismiss
            </button>
          </div>
        )}
        {s.message && (
          <div
            className={`notice ${s.phase === 'failed' ? 'error' : 'warn'}`}
            role="alert"
            data-testid="training-message"
          >
            {s.message}
            {lastGood && run && (
              <>
                {' '}
                <button
                  type="button"
                  className="small"
                  onClick={() => resume(lastGood, run.lr / 10)}
                  data-testid="resume-lower-lr"
                >
                  Resume step {lastGood.step} at lr {formatLr(run.lr / 10)}
                </button>
              </>
            )}
          </div>
        )}
        {s.rescue && (
          <div className="notice error" role="alert" data-testid="training-rescue">
            {s.rescue.message}{' '}
            <button
              type="button"
              className="small primary"
              onClick={() => s.rescue && saveBytes(s.rescue.fileName, s.rescue.bytes)}
            >
              Download step {s.rescue.step} ({formatBytes(s.rescue.bytes.length)})
            </button>{' '}
            <button type="button" className="link" onClick={actions.dismissRescue}>
              dismiss
            </button>
          </div>
        )}
        {s.added && (
          <div className="notice ok-notice" data-testid="training-added">
            “{s.added.name}” is now in the Sampling panel’s model list.{' '}
            <button
              type="button"
              className="link"
              onClick={() => useUrlStore.getState().setPanel('sampling')}
            >
              Open Sampling →
            </button>
          </div>
        )}

        {!run ? (
          <p className="muted">
            Choose a data set, a network and its size, then Start: the worker trains the DDPM objective with
            Adam and an EMA of the weights, streaming the loss, steps/s and sample previews from the EMA
            weights. Try the tiny UNet on MNIST with batch 16 first.
          </p>
        ) : (
          <>
            <div className="summary run-summary" data-testid="run-summary">
              <h2>
                {run.name} <span className={`phase ${s.phase}`}>{s.phase}</span>
              </h2>
              <p className="muted">
                {(run.paramCount / 1e6).toFixed(2)}M parameters · {run.imageShape[2]}×{run.imageShape[1]}×
                {run.imageShape[0]} · {run.trainImages.toLocaleString()} training images · batch{' '}
                {run.batchSize} · lr {formatLr(run.lr)} (warm-up {run.warmupSteps}
                {run.lrDecay && `, cosine to 0 at step ${run.lrDecay.toStep}`})
                {run.startStep > 0 && ` · resumed at step ${run.startStep}`}
              </p>
            </div>
            <div className="train-stats" data-testid="train-stats">
              <span>
                step <b data-testid="train-step">{p?.step ?? run.startStep}</b> /{' '}
                {p?.targetSteps ?? run.schedule.steps}
              </span>
              <span>
                loss <b>{p ? p.loss.toFixed(4) : '–'}</b>
                {p && <span className="muted"> (smoothed {p.smoothLoss.toFixed(4)})</span>}
              </span>
              <span>
                <b>{p ? p.stepsPerSecond.toFixed(p.stepsPerSecond < 10 ? 2 : 1) : '–'}</b> steps/s
              </span>
              <span>
                ETA <b>{p?.etaSeconds != null && active ? formatMs(p.etaSeconds * 1000) : '–'}</b>
              </span>
              <span>
                lr <b>{p ? formatLr(p.lr) : '–'}</b>
              </span>
              <span title="Live tensors in the worker; on WebGPU, the bytes they hold on the GPU">
                {memory?.numBytesInGPU != null ? 'GPU memory' : 'memory'}{' '}
                <b>{memory ? formatBytes(memory.numBytesInGPU ?? memory.numBytes) : '–'}</b>
                {memory && <span className="muted"> ({memory.numTensors} tensors)</span>}
              </span>
            </div>
            <progress
              className="train-progress"
              max={p?.targetSteps ?? run.schedule.steps}
              value={p?.step ?? run.startStep}
            />
            <div className="train-figures">
              <figure>
                <figcaption>Loss (MSE of the predicted noise)</figcaption>
                <LossChart points={s.points} />
              </figure>
              <figure>
                <figcaption data-testid="preview-caption">
                  {s.preview ? (
                    <>
                      EMA samples at step {s.preview.step}
                      <br />
                      <small>
                        {run.schedule.previewSteps} DDIM steps · {formatMs(s.preview.ms)}
                      </small>
                    </>
                  ) : run.schedule.previewEvery > 0 ? (
                    `EMA samples every ${run.schedule.previewEvery} steps`
                  ) : (
                    'Previews are off'
                  )}
                </figcaption>
                {s.preview ? (
                  <ImageGrid
                    pixels={s.preview.pixels}
                    height={s.preview.height}
                    width={s.preview.width}
                    channels={s.preview.channels}
                    columns={previewColumns}
                    minCell={48}
                    testId="train-preview"
                    label={`${s.preview.count} samples from the EMA weights at step ${s.preview.step}`}
                  />
                ) : (
                  run.schedule.previewEvery > 0 && (
                    <div className="preview-placeholder muted">no preview yet</div>
                  )
                )}
              </figure>
            </div>
          </>
        )}

        <CheckpointList
          checkpoints={s.checkpoints}
          busy={active}
          onDownload={(c) => void actions.download(c.id)}
          onResume={(c) => resume(c)}
          onUse={(c) => void actions.addToSampling(c.id)}
          onDelete={(c) => void actions.remove(c.id)}
          onUpload={(f) => void actions.upload(f)}
        />
      </section>
    </div>
  );
}
