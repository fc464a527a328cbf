import { useEffect, useMemo, useRef } from 'react';
import { useDataStore } from '../../state/data-store';
import { useUrlStore } from '../../state/url-store';
import { ErrorNotice } from '../components/ErrorNotice';
import { ImageGrid } from '../components/ImageGrid';
import { JobProgress } from '../components/JobProgress';
import { download } from '../format';
import { ClassCountsChart } from './data/ClassCountsChart';
import { StatsView } from './data/StatsView';
import { UploadArea } from './data/UploadArea';

const COLUMNS = 10;

/** Pick the embedded MNIST or upload a set; browse it as a paged grid with labels and class counts. */
export function DataPanel() {
  const params = useUrlStore((s) => s.params);
  const setParams = useUrlStore((s) => s.setParams);
  const { datasets, loadJob, statsJob, error, problems, page, stats } = useDataStore();
  const { refreshList, loadMnist, upload, ensureLoaded, remove, fetchPage, computeStats, dismiss } =
    useDataStore.getState();
  const grid = useRef<HTMLCanvasElement | null>(null);
  const current = datasets.find((d) => d.id === params.ds) ?? null;

  useEffect(() => {
    void refreshList();
  }, [refreshList]);

  useEffect(() => {
    if (params.ds) void ensureLoaded(params.ds);
  }, [params.ds, ensureLoaded]);

  const inMemory = current?.inMemory ?? false;
  const { ds, split, class: label, page: pageIndex, per } = params;
  useEffect(() => {
    if (inMemory) void fetchPage({ ds, split, class: label, page: pageIndex, per });
  }, [fetchPage, inMemory, ds, split, label, pageIndex, per]);

  const splitName = current?.splits.some((s) => s.name === params.split) ? params.split : 'all';
  // Statistics are shown only for the set and split they describe.
  const shownStats =
    stats && stats.datasetId === current?.id && stats.split === splitName ? stats.value : null;
  const captions = useMemo(
    () => Array.from(page?.labels ?? [], (l) => (l >= 0 ? (current?.classNames[l] ?? String(l)) : '?')),
    [page, current],
  );
  const perPage = Number(params.per);
  const total = page?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / perPage));

  return (
    <div className="data-panel">
      <aside className="sidebar">
        <h2>Data sets</h2>
        <button type="button" onClick={() => void loadMnist()} disabled={!!loadJob} data-testid="load-mnist">
          Embedded MNIST (10,000 digits)
        </button>
        <UploadArea disabled={!!loadJob} onFiles={(files) => void upload(files)} />
        {loadJob && <JobProgress job={loadJob} />}
        {error && <ErrorNotice message={error} onDismiss={dismiss} testId="data-error" />}
        {problems.length > 0 && (
          <details className="notice warn" data-testid="data-problems">
            <summary>{problems.length} file(s) skipped</summary>
            <ul>
              {problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </details>
        )}
        <ul className="dataset-list" data-testid="dataset-list">
          {datasets.map((d) => (
            <li key={d.id} className={d.id === params.ds ? 'active' : undefined}>
              <button
                type="button"
                className="link"
                onClick={() => setParams({ ds: d.id, page: 0, class: null, split: 'all' })}
              >
                {d.name}
              </button>
              <span className="muted">
                {' '}
                {d.count.toLocaleString()} · {d.height}×{d.width}×{d.channels}
                {d.persisted ? ' · saved' : ''}
              </span>
              {d.source === 'upload' && (
                <button
                  type="button"
                  className="link danger"
                  onClick={() => void remove(d.id)}
                  title="Delete"
                >
                  ✕
                </button>
              )}
            </li>
          ))}
        </ul>
      </aside>

      <section className="data-main">
        {!current ? (
          <p className="muted">Choose the embedded MNIST or upload a data set to browse it.</p>
        ) : (
          <>
            <div className="summary" data-testid="dataset-summary">
              <h2>{current.name}</h2>
              <p>
                <b data-testid="dataset-count">{current.count.toLocaleString()}</b> images · {current.height}×
                {current.width} · {current.channels === 1 ? 'grayscale' : 'RGB'} · {current.classNames.length}{' '}
                classes
                {current.splits.length > 1 &&
                  ` · ${current.splits
                    .filter((s) => s.name !== 'all')
                    .map((s) => `${s.count.toLocaleString()} ${s.name}`)
                    .join(' / ')}`}
              </p>
              <ClassCountsChart
                classNames={current.classNames}
                counts={current.classCounts}
                selected={params.class}
                onSelect={(label) => setParams({ class: label, page: 0 })}
              />
            </div>

            <div className="toolbar">
              <label>
                split{' '}
                <select
                  value={splitName}
                  onChange={(e) => setParams({ split: e.target.value as typeof params.split, page: 0 })}
                  data-testid="split-select"
                >
                  {current.splits.map((s) => (
                    <option key={s.name} value={s.name}>
                      {s.name} ({s.count.toLocaleString()})
                    </option>
                  ))}
                </select>
              </label>
              <label>
                class{' '}
                <select
                  value={params.class ?? ''}
                  onChange={(e) =>
                    setParams({ class: e.target.value === '' ? null : Number(e.target.value), page: 0 })
                  }
                  data-testid="class-select"
                >
                  <option value="">all</option>
                  {current.classNames.map((n, i) => (
                    <option key={n} value={i}>
                      {n}
                    </option>
                  ))}
                </select>
              </label>
              <label>
                per page{' '}
                <select
                  value={params.per}
                  onChange={(e) => setParams({ per: e.target.value as typeof params.per, page: 0 })}
                >
                  {['50', '100', '200'].map((n) => (
                    <option key={n}>{n}</option>
                  ))}
                </select>
              </label>
              <span className="pager">
                <button
                  type="button"
                  className="small"
                  disabled={params.page <= 0}
                  onClick={() => setParams({ page: params.page - 1 })}
                >
                  ‹ Prev
                </button>
                <span data-testid="page-info">
                  page {Math.min(params.page + 1, pages)} of {pages} · {total.toLocaleString()} images
                </span>
                <button
                  type="button"
                  className="small"
                  disabled={params.page + 1 >= pages}
                  onClick={() => setParams({ page: params.page + 1 })}
                  data-testid="next-page"
                >
                  Next ›
                </button>
              </span>
              <button
                type="button"
                className="small"
                disabled={!page}
                onClick={() =>
                  grid.current?.toBlob(
                    (b) =>
                      b &&
                      download(
                        `${current.name.replace(/\W+/g, '_')}-page${params.page + 1}.png`,
                        b,
                        'image/png',
                      ),
                  )
                }
              >
                Export PNG
              </button>
            </div>

            {page && page.labels.length > 0 && (
              <ImageGrid
                pixels={page.pixels}
                height={page.height}
                width={page.width}
                channels={page.channels}
                columns={COLUMNS}
                captions={captions}
                canvasRef={grid}
                label={`${page.labels.length} images with labels ${captions.slice(0, 20).join(', ')}${page.labels.length > 20 ? '…' : ''}`}
              />
            )}
            {page && page.labels.length === 0 && <p className="muted">No images in this selection.</p>}

            <div className="stats-section">
              <h3>Statistics</h3>
              <p className="muted">
                Per-channel mean and std and the mean image of each class, over the {splitName} split,
                computed in the compute worker on the active backend.
              </p>
              {statsJob ? (
                <JobProgress job={statsJob} />
              ) : (
                <button type="button" onClick={() => void computeStats()} data-testid="compute-stats">
                  Compute statistics
                </button>
              )}
              {shownStats && (
                <StatsView
                  stats={shownStats}
                  classNames={current.classNames}
                  shape={current}
                  datasetName={current.name}
                />
              )}
            </div>
          </>
        )}
      </section>
    </div>
  );
}
