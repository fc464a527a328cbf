import { useState } from 'react';
import type { KernelCheck } from '../../core/gpu/kernel-check';
import { useAppStore } from '../../state/app-store';
import { isCancelled, startJob } from '../../state/run-job';
import { useTrainingStore } from '../../state/training-store';
import { compute } from '../compute-client';
import { formatBytes, formatMs } from '../format';

/** The training run, wherever the user is in the app: it runs for hours, the other jobs for seconds. */
function TrainingStatus() {
  const phase = useTrainingStore((s) => s.phase);
  const run = useTrainingStore((s) => s.run);
  const progress = useTrainingStore((s) => s.progress);
  if (!run || !['starting', 'running', 'paused', 'stopping'].includes(phase)) return null;
  return (
    <span className="item running" data-testid="status-training" title={run.name}>
      training <b>{run.name.split(' · ')[0]}</b> {phase === 'running' ? '' : `(${phase}) `}
      {progress && (
        <>
          step <b>{progress.step.toLocaleString()}</b>/{progress.targetSteps.toLocaleString()} · loss{' '}
          <b>{progress.smoothLoss.toFixed(4)}</b> · <b>{progress.stepsPerSecond.toFixed(2)}</b> steps/s
          {progress.etaSeconds !== null && phase === 'running' && (
            <> · ETA {formatMs(progress.etaSeconds * 1000)}</>
          )}
        </>
      )}
    </span>
  );
}

/** Backend, adapter, live tfjs memory, the training run, the last job's duration, and a kernel self-test. */
export function StatusBar() {
  const backend = useAppStore((s) => s.backend);
  const memory = useAppStore((s) => s.memory);
  const lastJob = useAppStore((s) => s.lastJob);
  const running = Object.values(useAppStore((s) => s.running));
  const [check, setCheck] = useState<{ results?: KernelCheck[]; error?: string; busy?: boolean }>({});

  const runCheck = async () => {
    setCheck({ busy: true });
    try {
      const results = await startJob('Kernel self-test', (id, p) => compute().checkKernels(id, p)).done;
      setCheck({ results });
    } catch (e) {
      setCheck(isCancelled(e) ? {} : { error: (e as Error).message });
    }
  };
  const worst = check.results?.reduce((m, r) => Math.max(m, r.maxRelError), 0);
  const agree = check.results?.every((r) => r.maxRelError <= r.tolerance) ?? false;

  return (
    <footer className="status-bar" data-testid="status-bar">
      <span className="item" data-testid="status-backend" title="Active tfjs backend">
        backend <b className={`backend ${backend?.name ?? 'none'}`}>{backend?.name ?? 'starting…'}</b>
        {backend?.wasm &&
          ` (${backend.wasm.simd ? 'SIMD' : 'no SIMD'}, ${backend.wasm.threads} thread${backend.wasm.threads === 1 ? '' : 's'})`}
      </span>
      {backend?.adapter && (
        <>
          <span
            className="item"
            data-testid="status-adapter"
            title={backend.adapter.description || undefined}
          >
            adapter <b>{backend.adapter.vendor}</b> / {backend.adapter.architecture}
          </span>
          <span className="item" title="maxStorageBufferBindingSize: the largest tensor one kernel can bind">
            max storage buffer <b>{formatBytes(backend.adapter.maxStorageBufferBindingSize)}</b>
          </span>
        </>
      )}
      {memory && (
        <span className="item" data-testid="status-memory">
          tensors <b data-testid="num-tensors">{memory.numTensors}</b>
          {memory.numBytesInGPU !== null ? (
            <>
              {' '}
              · GPU in use <b>{formatBytes(memory.numBytesInGPU)}</b> · GPU allocated{' '}
              <b>{formatBytes(memory.numBytesAllocatedInGPU)}</b>
            </>
          ) : (
            <>
              {' '}
              · <b>{formatBytes(memory.numBytes)}</b>
            </>
          )}
        </span>
      )}
      <TrainingStatus />
      {running.length > 0 && (
        <span className="item running">
          running <b>{running.map((j) => j.name).join(', ')}</b>
        </span>
      )}
      {lastJob && (
        <span className="item" data-testid="status-last-job">
          last job <b>{lastJob.name}</b> {lastJob.status === 'done' ? '' : `(${lastJob.status}) `}
          <b>{formatMs(lastJob.ms)}</b>
        </span>
      )}
      <span className="item push">
        {check.results && (
          <span
            data-testid="kernel-check"
            className={agree ? 'ok' : 'bad'}
            title={check.results
              .map(
                (r) =>
                  `${r.kernel} [${r.shape.join('×')}] G=${r.groups}${r.silu ? ' +SiLU' : ''} (${r.path}): ${r.maxRelError.toExponential(2)} (tolerance ${r.tolerance.toExponential(0)})`,
              )
              .join('\n')}
          >
            kernels {agree ? 'agree' : 'DISAGREE'} with reference (max rel err {worst?.toExponential(1)}){' '}
          </span>
        )}
        {check.error && <span className="bad">kernel test failed: {check.error} </span>}
        <button type="button" className="small" disabled={!backend || check.busy} onClick={runCheck}>
          {check.busy ? 'Testing kernels…' : 'Test kernels'}
        </button>
      </span>
    </footer>
  );
}
