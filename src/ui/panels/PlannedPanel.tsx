import type { PanelId } from '../../state/url-state';

/** What each panel will do once its issue lands; until then it says so, with no controls that do nothing. */
const PLANS: Record<Exclude<PanelId, 'data' | 'sampling' | 'training' | 'probing'>, string> = {
  retrieval:
    'Will rank a gallery for a query person with AlignedReID global and stripe features and show the stripe alignment.',
};

export function PlannedPanel({
  panel,
  title,
}: {
  panel: Exclude<PanelId, 'data' | 'sampling' | 'training' | 'probing'>;
  title: string;
}) {
  return (
    <section className="planned">
      <h2>{title}</h2>
      <p data-testid="planned-note">{PLANS[panel]}</p>
    </section>
  );
}
