import { useEffect, useRef } from 'react';
import { PAGE, useRetrievalStore } from '../../state/retrieval-store';
import { RETRIEVAL_MODES, type RetrievalMode } from '../../worker/retrieval-types';
import { ErrorNotice } from '../components/ErrorNotice';
import { JobProgress } from '../components/JobProgress';
import { compute } from '../compute-client';
import { download, formatMs } from '../format';
import { drawPair } from './retrieval/draw-pair';
import { Thumb } from './retrieval/Thumb';
import './retrieval/retrieval.css';

const MODE_NAMES: Record<RetrievalMode, string> = {
  global: 'global',
  local: 'local (aligned)',
  unaligned: 'local (unaligned)',
  total: 'total (global + local)',
  reranked: 're-ranked total',
};

const pct = (x: number) => `${(100 * x).toFixed(1)}`;

async function exportRankings(mode: RetrievalMode, format: 'csv' | 'json') {
  const rows = await compute().retrievalExport(mode, 10);
  if (format === 'json') {
    download(`rankings-${mode}.json`, JSON.stringify({ mode, topK: 10, rows }, null, 1), 'application/json');
    return;
  }
  const quote = (s: string) => `"${s.replace(/"/g, '""')}"`;
  const lines = [
    'query,query_pid,rank,gallery,gallery_index,gallery_pid,distance,correct',
    ...rows.map((r) =>
      [
        quote(r.query),
        r.queryPid ?? '',
        r.rank,
        quote(r.gallery),
        r.galleryIndex,
        r.galleryPid ?? '',
        r.distance.toFixed(6),
        r.correct === null ? '' : r.correct,
      ].join(','),
    ),
  ];
  download(`rankings-${mode}.csv`, `${lines.join('\n')}\n`, 'text/csv');
}

function PairPanel() {
  const pair = useRetrievalStore((s) => s.pair);
  const closePair = useRetrievalStore((s) => s.closePair);
  const ref = useRef<HTMLCanvasElement>(null);
  useEffect(() => {
    if (pair && ref.current) drawPair(ref.current, pair);
  }, [pair]);
  if (!pair) return null;
  const exportPng = () =>
    ref.current?.toBlob((blob) => {
      if (blob) download(`pair-q${pair.query}-g${pair.gallery}.png`, blob, 'image/png');
    }, 'image/png');
  return (
    <section className="reid-pair" data-testid="pair-view">
      <h3>
        Side by side{' '}
        <button type="button" className="small" onClick={exportPng} data-testid="export-pair-png">
          Export PNG
        </button>{' '}
        <button type="button" className="small" onClick={closePair}>
          Close
        </button>
      </h3>
      <canvas
        ref={ref}
        data-testid="pair-canvas"
        aria-label={`Query ${pair.queryInfo.name} against ${pair.galleryInfo.name}: global ${pair.global.toFixed(3)}, local ${pair.local.toFixed(3)}, total ${pair.total.toFixed(3)}`}
      />
      <p className="muted" data-testid="pair-distances">
        global {pair.global.toFixed(3)} · local {pair.local.toFixed(3)} · unaligned{' '}
        {pair.unaligned.toFixed(3)} · total {pair.total.toFixed(3)} · path{' '}
        {pair.path.map(([i, j]) => `${i + 1}→${j + 1}`).join(' ')}
      </p>
    </section>
  );
}

export function RetrievalPanel() {
  const s = useRetrievalStore();
  const { summary, ranking, job } = s;
  const border = (c: boolean | null, ignored: boolean) =>
    c === null ? null : ignored ? 'ignored' : c ? 'correct' : 'wrong';

  return (
    <div className="data-panel">
      <aside className="sidebar">
        <h3>Gallery</h3>
        <div className="form-grid">
          <label htmlFor="reid-gallery">source</label>
          <select
            id="reid-gallery"
            value={s.gallerySource}
            onChange={(e) => s.set({ gallerySource: e.target.value as 'synthetic' | 'upload' })}
            data-testid="gallery-source"
          >
            <option value="synthetic">synthetic test gallery</option>
            <option value="upload">uploaded images</option>
          </select>
          {s.gallerySource === 'upload' && (
            <>
              <label htmlFor="reid-gallery-files">images</label>
              <input
                id="reid-gallery-files"
                type="file"
                multiple
                accept="image/png,image/jpeg"
                onChange={(e) => s.set({ galleryFiles: [...(e.target.files ?? [])] })}
                data-testid="gallery-files"
              />
            </>
          )}
        </div>
        <h3>Queries</h3>
        <div className="form-grid">
          <label htmlFor="reid-query">source</label>
          <select
            id="reid-query"
            value={s.querySource}
            onChange={(e) => s.set({ querySource: e.target.value as 'synthetic' | 'upload' })}
            data-testid="query-source"
          >
            <option value="synthetic">synthetic test queries</option>
            <option value="upload">uploaded images</option>
          </select>
          {s.querySource === 'upload' && (
            <>
              <label htmlFor="reid-query-files">images</label>
              <input
                id="reid-query-files"
                type="file"
                multiple
                accept="image/png,image/jpeg"
                onChange={(e) => s.set({ queryFiles: [...(e.target.files ?? [])] })}
                data-testid="query-files"
              />
            </>
          )}
          {(s.gallerySource === 'synthetic' || s.querySource === 'synthetic') && (
            <>
              <label htmlFor="reid-ids">identities</label>
              <input
                id="reid-ids"
                type="number"
                min={1}
                max={300}
                value={s.syntheticIds}
                onChange={(e) =>
                  s.set({ syntheticIds: Math.max(1, Math.min(300, Math.round(Number(e.target.value) || 1))) })
                }
                data-testid="synthetic-ids"
              />
            </>
          )}
        </div>
        <p className="muted hint">
          Synthetic: the first N test identities of the shipped model's split (their queries, gallery images,
          junk, and the same share of distractors). Uploads: PNG/JPEG of any size, fitted to 64×32 with the
          aspect kept; names like <code>0002_c3_x.png</code> give identity and camera.
        </p>
        {job ? (
          <JobProgress job={job} />
        ) : (
          <button type="button" className="primary" onClick={() => void s.run()} data-testid="run-retrieval">
            Embed and rank
          </button>
        )}
        {s.error && <ErrorNotice message={s.error} onDismiss={s.dismiss} testId="retrieval-error" />}
        {summary && summary.problems.length > 0 && (
          <div className="notice warn" data-testid="retrieval-problems">
            Skipped files:
            <ul>
              {summary.problems.map((p) => (
                <li key={p}>{p}</li>
              ))}
            </ul>
          </div>
        )}
        {summary && (
          <p className="muted" data-testid="retrieval-timing">
            {summary.galleryCount} gallery · {summary.queries.length} queries on {summary.backend}: gallery
            embedded in {formatMs(summary.embedGalleryMs)}, queries in {formatMs(summary.embedQueryMs)},
            distances and re-ranking in {formatMs(summary.distanceMs)}
          </p>
        )}
      </aside>

      <section className="data-main">
        {!summary ? (
          <p className="muted">
            Press “Embed and rank”: the shipped AlignedReID model embeds the gallery and the queries, then
            every query gets a ranked gallery under each distance.
          </p>
        ) : (
          <>
            {summary.metrics.length > 0 && (
              <table className="reid-metrics" data-testid="retrieval-metrics">
                <thead>
                  <tr>
                    <th>distance</th>
                    <th>rank-1</th>
                    <th>rank-5</th>
                    <th>rank-10</th>
                    <th>mAP</th>
                  </tr>
                </thead>
                <tbody>
                  {summary.metrics.map((m) => (
                    <tr
                      key={m.mode}
                      className={m.mode === s.mode ? 'active' : ''}
                      data-testid={`metrics-${m.mode}`}
                    >
                      <th>{MODE_NAMES[m.mode]}</th>
                      <td>{pct(m.rank1)}</td>
                      <td>{pct(m.rank5)}</td>
                      <td>{pct(m.rank10)}</td>
                      <td>{pct(m.mAP)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="reid-modes" data-testid="mode-switch">
              {RETRIEVAL_MODES.map((m) => (
                <button
                  key={m}
                  type="button"
                  className="small"
                  aria-pressed={s.mode === m}
                  onClick={() => void s.setMode(m)}
                  data-testid={`mode-${m}`}
                >
                  {MODE_NAMES[m]}
                </button>
              ))}
              <button
                type="button"
                className="small"
                onClick={() => void exportRankings(s.mode, 'csv')}
                data-testid="export-csv"
              >
                Export CSV
              </button>
              <button
                type="button"
                className="small"
                onClick={() => void exportRankings(s.mode, 'json')}
                data-testid="export-json"
              >
                Export JSON
              </button>
            </div>
            <h3>Query</h3>
            <div className="reid-strip reid-queries" data-testid="query-list">
              {summary.queries.map((q, i) => (
                <Thumb
                  // biome-ignore lint/suspicious/noArrayIndexKey: the query list is fixed per run; names may repeat
                  key={i}
                  pixels={summary.queryPixels}
                  offset={i * summary.height * summary.width * 3}
                  height={summary.height}
                  width={summary.width}
                  scale={1}
                  selected={i === s.query}
                  title={q.name}
                  onClick={() => void s.selectQuery(i)}
                  testId={`query-${i}`}
                />
              ))}
            </div>
            {ranking && (
              <>
                <h3>
                  Ranking for {summary.queries[ranking.query]?.name} · {MODE_NAMES[ranking.mode]}
                </h3>
                <div className="reid-strip" data-testid="ranked-strip" data-count={ranking.items.length}>
                  <Thumb
                    pixels={summary.queryPixels}
                    offset={ranking.query * summary.height * summary.width * 3}
                    height={summary.height}
                    width={summary.width}
                    selected
                    caption="query"
                    title={summary.queries[ranking.query]?.name}
                  />
                  {ranking.items.map((it, k) => (
                    <Thumb
                      key={it.gallery}
                      pixels={ranking.pixels}
                      offset={k * summary.height * summary.width * 3}
                      height={summary.height}
                      width={summary.width}
                      border={border(it.correct, it.ignored)}
                      selected={s.pair?.gallery === it.gallery}
                      caption={`${it.rank}. ${it.distance.toFixed(3)}`}
                      title={`${it.info.name}${it.ignored ? ' (same camera or junk: ignored by evaluation)' : ''}`}
                      onClick={() => void s.openPair(it.gallery)}
                      testId={`result-${k}`}
                    />
                  ))}
                  {ranking.items.length < ranking.total && (
                    <button
                      type="button"
                      className="small"
                      onClick={() => void s.more()}
                      data-testid="more-results"
                    >
                      {PAGE} more
                    </button>
                  )}
                </div>
              </>
            )}
            <PairPanel />
          </>
        )}
      </section>
    </div>
  );
}
