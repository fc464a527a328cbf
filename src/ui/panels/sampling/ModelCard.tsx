import type { ModelSummary } from '../../../worker/api';
import { formatMs } from '../../format';

/**
 * A shipped model's card before anything is sampled: the 64 samples it shipped with (drawn by
 * `npm run evaluate -- --ship`), how long it trained and the card's own status line, so a visitor sees
 * what the model draws without waiting for the first sampling run.
 */
export function ModelCard({ model }: { model: ModelSummary }) {
  const card = model.card;
  if (!card) return null;
  const t = card.training;
  return (
    <div className="model-card" data-testid="model-card">
      <h3>Model card</h3>
      <div className="model-card-body">
        {card.samplesUrl && (
          <figure>
            <img
              src={card.samplesUrl}
              alt={`64 samples of ${model.name}`}
              width={242}
              height={242}
              data-testid="model-card-samples"
            />
            <figcaption className="muted">the 64 samples it shipped with</figcaption>
          </figure>
        )}
        <div className="model-card-text">
          <div>
            <b>{model.name}</b>
            <br />
            {model.arch.toUpperCase()} · {(model.paramCount / 1e6).toFixed(2)}M parameters
            {card.data && ` · ${card.data}`}
          </div>
          {t && (
            <div data-testid="model-card-training">
              {t.steps.toLocaleString('en-US')} steps at batch {t.batchSize} ·{' '}
              {formatMs(t.wallSeconds * 1000)} of training · final loss {t.finalLoss.toFixed(4)}
            </div>
          )}
          {card.status && <div className="muted">{card.status}</div>}
        </div>
      </div>
    </div>
  );
}
