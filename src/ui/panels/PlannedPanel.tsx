import type { PanelId } from '../../state/url-state';

/** What each panel will do once its issue lands; until then it says so, with no controls that do nothing. */
const PLANS: Record<Exclude<PanelId, 'data' | 'sampling'>, string> = {
  training:
    'Will train a small diffusion model on a chosen data set in this browser, with a live loss curve and samples.',
  probing:
    "Will train linear probes on the denoiser's features for every layer and noise level and show accuracy as a heatmap.",
  retrieval:
    'Will rank a gallery for a query person with AlignedReID global and stripe features and show the stripe alignment.',
};

export function PlannedPanel({
  panel,
  title,
}: {
  panel: Exclude<PanelId, 'data' | 'sampling'>;
  title: string;
}) {
  return (
    <section className="planned">
      <h2>{title}</h2>
      <p data-testid="planned-note">{PLANS[panel]}</p>
    </section>
  );
}
