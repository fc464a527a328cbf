import { useProbingStore } from '../../../state/probing-store';
import { ImageGrid } from '../../components/ImageGrid';
import { ConfusionMatrix } from './ConfusionMatrix';
import { Scatter } from './Scatter';
import { TrainingCurve } from './TrainingCurve';

const pct = (v: number | null | undefined) =>
  v === null || v === undefined ? '–' : `${(100 * v).toFixed(2)}%`;

/** The selected cell: probe training curve, confusion matrix, PCA/UMAP scatter and nearest neighbours. */
export function CellDetails() {
  const { view, selected, projection, projectionJob, testImages, neighbours } = useProbingStore();
  const { project, findNeighbours } = useProbingStore.getState();
  if (!view || !selected) return null;
  const cell = view.cells.find((c) => c.t === selected.t && c.tap === selected.tap);
  if (!cell) return null;
  const classNames = view.dataset.classNames;
  const [ch, h, w] = view.model.imageShape;
  const shown = projection && projection.t === cell.t && projection.tap === cell.tap ? projection : null;

  return (
    <section className="cell-details" data-testid="cell-details">
      <h3>
        {cell.tap} at t = {cell.t}
        <span className="muted">
          {' '}
          ·{' '}
          {cell.status === 'done'
            ? `linear ${pct(cell.accuracy)} (train ${pct(cell.trainAccuracy)})`
            : cell.status}
          {cell.knnAccuracy !== null && ` · kNN ${pct(cell.knnAccuracy)}`}
          {cell.dim > 0 && ` · ${cell.dim} features`}
        </span>
      </h3>
      {cell.error && <p className="notice error">{cell.error}</p>}
      {cell.status === 'done' && (
        <div className="detail-figures">
          <figure>
            <figcaption>Probe training</figcaption>
            <TrainingCurve curve={cell.curve} />
          </figure>
          {cell.confusion && (
            <figure>
              <figcaption>Confusion matrix (test)</figcaption>
              <ConfusionMatrix matrix={cell.confusion} classNames={classNames} />
            </figure>
          )}
          <figure>
            <figcaption>
              Test features in 2-D{' '}
              <span className="toggle">
                <button
                  type="button"
                  className={`small${shown?.method === 'pca' ? ' active' : ''}`}
                  disabled={!view.live || !!projectionJob}
                  onClick={() => void project('pca')}
                >
                  PCA
                </button>
                <button
                  type="button"
                  className={`small${shown?.method === 'umap' ? ' active' : ''}`}
                  disabled={!view.live || !!projectionJob}
                  onClick={() => void project('umap')}
                  data-testid="umap-button"
                >
                  UMAP
                </button>
              </span>
            </figcaption>
            {!view.live ? (
              <p className="muted narrow">
                Features are kept only for the latest run of this session: run the grid again to see them.
              </p>
            ) : shown ? (
              <>
                <Scatter
                  points={shown.points}
                  labels={shown.labels}
                  classNames={classNames}
                  highlight={neighbours?.query.position ?? null}
                  onPick={(p) => void findNeighbours(p)}
                />
                <p className="muted narrow">
                  {shown.method === 'pca' && shown.explained
                    ? `PCA: the axes explain ${(100 * shown.explained[0]).toFixed(0)}% and ${(100 * shown.explained[1]).toFixed(0)}% of the variance. `
                    : 'UMAP (umap-js, 15 neighbours). '}
                  Click a point for its nearest neighbours.
                </p>
              </>
            ) : (
              <p className="muted narrow">{projectionJob ? 'Projecting…' : ''}</p>
            )}
          </figure>
        </div>
      )}
      {cell.status === 'done' && view.live && (
        <div className="neighbours">
          <h4>Nearest neighbours (cosine, in this cell's feature space, among the train images)</h4>
          {testImages.length > 0 && (
            <div className="query-strip" data-testid="query-strip">
              {testImages.map((q) => (
                <button
                  key={q.position}
                  type="button"
                  className={`thumb${neighbours?.query.position === q.position ? ' active' : ''}`}
                  title={`test image ${q.index} (${classNames[q.label] ?? q.label})`}
                  onClick={() => void findNeighbours(q.position)}
                >
                  <ImageGrid
                    pixels={q.pixels}
                    height={h}
                    width={w}
                    channels={ch}
                    columns={1}
                    minCell={28}
                    testId="query-thumb"
                  />
                </button>
              ))}
            </div>
          )}
          {neighbours ? (
            <ImageGrid
              pixels={neighbours.pixels}
              height={neighbours.height}
              width={neighbours.width}
              channels={neighbours.channels}
              columns={neighbours.neighbours.length + 1}
              captions={[
                `query: ${classNames[neighbours.query.label] ?? neighbours.query.label}`,
                ...neighbours.neighbours.map(
                  (n) => `${classNames[n.label] ?? n.label} ${n.similarity.toFixed(2)}`,
                ),
              ]}
              testId="neighbour-grid"
            />
          ) : (
            <p className="muted">Pick a test image above (or a point in the scatter plot).</p>
          )}
        </div>
      )}
    </section>
  );
}
