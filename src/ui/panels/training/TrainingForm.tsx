import { TRAIN_PRESET_IDS } from '../../../core/diffusion/train/presets';
import { LR_SCHEDULES, TRAIN_ARCHS, type UrlParams } from '../../../state/url-state';
import type { DatasetSummary } from '../../../worker/api';
import { NumberField } from '../../components/NumberField';

const ARCH_LABEL = { unet: 'UNet (DDAE)', dit: 'DiT (adaLN-Zero)' } as const;
const PRESET_LABEL = { tiny: 'tiny', small: 'small', medium: 'medium' } as const;
const PRESET_TITLE = {
  tiny: 'tiny: ~0.27M (UNet) or ~0.04M (DiT) parameters, for first tries; a step takes a fraction of a second to seconds on a CPU',
  small: 'small: the size of the shipped MNIST models; slow without a GPU',
  medium:
    "medium: ~2.7M (UNet: 128 channels at 7x7) or ~1.9M (DiT at patch 2) parameters, for a GPU; on a CPU the UNet step takes ~1.4x small's, the DiT's ~9x",
} as const;

/** Data set, network and schedule of a new run; every value but the data set is in the URL. */
export function TrainingForm({
  params,
  setParams,
  datasets,
  datasetId,
  disabled,
}: {
  params: UrlParams;
  setParams: (patch: Partial<UrlParams>) => void;
  datasets: DatasetSummary[];
  datasetId: string;
  disabled: boolean;
}) {
  const uploads = datasets.filter((d) => d.id !== 'mnist');
  return (
    <fieldset className="form-grid training-form" disabled={disabled}>
      <label htmlFor="train-data">data</label>
      <select
        id="train-data"
        value={datasetId}
        onChange={(e) => setParams({ tds: e.target.value === 'mnist' ? null : e.target.value })}
        data-testid="train-dataset"
      >
        <option value="mnist">MNIST · train split</option>
        {uploads.map((d) => (
          <option key={d.id} value={d.id}>
            {d.name} ({d.width}×{d.height}×{d.channels})
          </option>
        ))}
      </select>
      <label htmlFor="train-arch">network</label>
      <select
        id="train-arch"
        value={params.arch}
        onChange={(e) => setParams({ arch: e.target.value as UrlParams['arch'] })}
        data-testid="train-arch"
      >
        {TRAIN_ARCHS.map((a) => (
          <option key={a} value={a}>
            {ARCH_LABEL[a]}
          </option>
        ))}
      </select>
      <label htmlFor="train-preset">size</label>
      <select
        id="train-preset"
        value={params.preset}
        title={PRESET_TITLE[params.preset]}
        onChange={(e) => setParams({ preset: e.target.value as UrlParams['preset'] })}
        data-testid="train-preset"
      >
        {TRAIN_PRESET_IDS.map((p) => (
          <option key={p} value={p} title={PRESET_TITLE[p]}>
            {PRESET_LABEL[p]}
          </option>
        ))}
      </select>
      <NumberField
        id="train-batch"
        label="batch"
        value={params.tbatch}
        min={1}
        max={512}
        onChange={(tbatch) => setParams({ tbatch })}
        testId="train-batch"
      />
      <NumberField
        id="train-lr"
        label="learning rate"
        value={params.lr}
        min={1e-7}
        max={1}
        step={0.0001}
        onChange={(lr) => setParams({ lr })}
        testId="train-lr"
      />
      <label htmlFor="train-schedule">lr schedule</label>
      <select
        id="train-schedule"
        value={params.tsched}
        title="after the warm-up: constant (as the official code), or a cosine decay to 0 at the last step, which anneals away the weight noise of a high rate"
        onChange={(e) => setParams({ tsched: e.target.value as UrlParams['tsched'] })}
        data-testid="train-schedule"
      >
        {LR_SCHEDULES.map((s) => (
          <option key={s} value={s}>
            {s === 'constant' ? 'constant' : 'cosine to 0'}
          </option>
        ))}
      </select>
      <NumberField
        id="train-dropout"
        label="dropout"
        value={params.arch === 'unet' ? params.tdrop : 0}
        min={0}
        max={0.9}
        step={0.05}
        disabled={params.arch !== 'unet'}
        title={
          params.arch === 'unet'
            ? "dropout before each residual block's second conv during training (the official CIFAR-10 UNet uses 0.1)"
            : 'the DiT has no dropout, as in the official DiT'
        }
        onChange={(tdrop) => setParams({ tdrop })}
        testId="train-dropout"
      />
      <NumberField
        id="train-steps"
        label="steps"
        value={params.tsteps}
        min={1}
        max={10_000_000}
        onChange={(tsteps) => setParams({ tsteps })}
        testId="train-steps"
      />
      <NumberField
        id="train-preview"
        label="preview every"
        value={params.pvery}
        min={0}
        max={1_000_000}
        onChange={(pvery) => setParams({ pvery })}
        testId="train-preview-every"
      />
      <NumberField
        id="train-preview-n"
        label="preview images"
        value={params.pvn}
        min={1}
        max={64}
        onChange={(pvn) => setParams({ pvn })}
        testId="train-preview-count"
      />
      <NumberField
        id="train-preview-steps"
        label="preview steps"
        value={params.pvs}
        min={1}
        max={100}
        onChange={(pvs) => setParams({ pvs })}
        testId="train-preview-steps"
      />
      <NumberField
        id="train-save"
        label="save every"
        value={params.tsave}
        min={0}
        max={1_000_000}
        onChange={(tsave) => setParams({ tsave })}
        testId="train-save-every"
      />
      <span className="muted hint">
        Steps and intervals count optimizer updates; 0 turns previews or automatic saves off. The warm-up is a
        tenth of the run (at most 200 steps); the EMA decay is 0.999.
      </span>
    </fieldset>
  );
}
