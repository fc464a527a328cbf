import { useEffect, useRef } from 'react';
import { PAGE, useRetrievalStore } from '../../state/retrieval-store';
import type { RETRIEVAL_SOURCES } from '../../state/url-state';
import { useUrlStore } from '../../state/url-store';
import {
  isReranked,
  modeDistance,
  RETRIEVAL_DISTANCES,
  type RetrievalDistance,
  type RetrievalMode,
  retrievalMode,
} from '../../worker/retrieval-types';
import { ErrorNotice } from '../components/ErrorNotice';
import { JobProgress } from '../components/JobProgress';
import { NumberField } from '../components/NumberField';
import { compute } from '../compute-client';
import { download, formatMs } from '../format';
import { drawPair } from './retrieval/draw-pair';
import { Thumb } from './retrieval/Thumb';
import './retrieval/retrieval.css';

const DISTANCE_NAMES: Record<RetrievalDistance, string> = {
  global: 'global',
  local: 'local (aligned)',
  unaligned: 'local (unaligned)',
  total: 'total (global + local)',
};

const modeName = (mode: RetrievalMode) =>
  `${DISTANCE_NAMES[modeDistance(mode)]}${isReranked(mode) ? ', re-ranked' : ''}`;

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

type Source = (typeof RETRIEVAL_SOURCES)[number];

/** Where the gallery or the queries come from: the synthetic test split or uploaded PNG/JPEG files. */
function SourcePicker({
  which,
  source,
  onSource,
  onFiles,
}: {
  which: 'gallery' | 'query';
  source: Source;
  onSource: (source: Source) => void;
  onFiles: (files: File[]) => void;
}) {
  return (
    <>
      <h3>{which === 'gallery' ? 'Gallery' : 'Queries'}</h3>
      <div className="form-grid">
        <label htmlFor={`reid-${which}`}>source</label>
        <select
          id={`reid-${which}`}
          value={source}
          onChange={(e) => onSource(e.target.value as Source)}
          data-testid={`${which}-source`}
        >
          <option value="synthetic">synthetic test split</option>
          <option value="upload">uploaded images</option>
        </select>
        {source === 'upload' && (
          <>
            <label htmlFor={`reid-${which}-files`}>images</label>
            <input
              id={`reid-${which}-files`}
              type="file"
              multiple
              accept="image/png,image/jpeg"
              onChange={(e) => onFiles([...(e.target.files ?? [])])}
              data-testid={`${which}-files`}
            />
          </>
        )}
      </div>
    </>
  );
}

export function RetrievalPanel() {
  const s = useRetrievalStore();
  const params = useUrlStore((u) => u.params);
  const setParams = useUrlStore((u) => u.setParams);
  const mode = retrievalMode(params.rdist, params.rrr === 'on');
  const { summary, ranking, job } = s;
  const border = (c: boolean | null, ignored: boolean) =>
    c === null ? null : ignored ? 'ignored' : c ? 'correct' : 'wrong';

  return (
    <div className="data-panel">
      <aside className="sidebar">
        <SourcePicker
          which="gallery"
          source={params.rgal}
          onSource={(rgal) => setParams({ rgal })}
          onFiles={(galleryFiles) => s.set({ galleryFiles })}
        />
        <SourcePicker
          which="query"
          source={params.rq}
          onSource={(rq) => setParams({ rq })}
          onFiles={(queryFiles) => s.set({ queryFiles })}
        />
        {(params.rgal === 'synthetic' || params.rq === 'synthetic') && (
          <div className="form-grid">
            <NumberField
              id="reid-ids"
              label="identities"
              value={params.rids}
              min={1}
              max={300}
              onChange={(rids) => setParams({ rids })}
              testId="synthetic-ids"
            />
          </div>
        )}
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
            distances ({summary.distancePath}) and re-ranking in {formatMs(summary.distanceMs)}
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
                    <th />
                    <th colSpan={4}>as computed</th>
                    <th colSpan={4}>k-reciprocal re-ranking</th>
                  </tr>
                  <tr>
                    <th>distance</th>
                    {[0, 1].flatMap((k) =>
                      ['rank-1', 'rank-5', 'rank-10', 'mAP'].map((h) => <th key={`${k}${h}`}>{h}</th>),
                    )}
                  </tr>
                </thead>
                <tbody>
                  {RETRIEVAL_DISTANCES.map((d) => (
                    <tr key={d} data-testid={`metrics-${d}`}>
                      <th>{DISTANCE_NAMES[d]}</th>
                      {[false, true].map((rr) => {
                        const m = summary.metrics.find((x) => x.mode === retrievalMode(d, rr));
                        const active = mode === retrievalMode(d, rr) ? 'active' : '';
                        return m
                          ? (
                              [
                                ['r1', m.rank1],
                                ['r5', m.rank5],
                                ['r10', m.rank10],
                                ['map', m.mAP],
                              ] as const
                            ).map(([name, v]) => (
                              <td
                                key={`${m.mode}-${name}`}
                                className={active}
                                data-testid={`metrics-${m.mode}-${name}`}
                              >
                                {pct(v)}
                              </td>
                            ))
                          : null;
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <div className="reid-modes" data-testid="mode-switch">
              {RETRIEVAL_DISTANCES.map((d) => (
                <button
                  key={d}
                  type="button"
                  className="small"
                  aria-pressed={params.rdist === d}
                  onClick={() => void s.setMode(retrievalMode(d, params.rrr === 'on'))}
                  data-testid={`mode-${d}`}
                >
                  {DISTANCE_NAMES[d]}
                </button>
              ))}
              <label className="check">
                <input
                  type="checkbox"
                  checked={params.rrr === 'on'}
                  onChange={(e) => void s.setMode(retrievalMode(params.rdist, e.target.checked))}
                  data-testid="mode-rerank"
                />
                re-ranked (k1 = 20, k2 = 6, λ = 0.3)
              </label>
              <button
                type="button"
                className="small"
                onClick={() => void exportRankings(mode, 'csv')}
                data-testid="export-csv"
              >
                Export CSV
              </button>
              <button
                type="button"
                className="small"
                onClick={() => void exportRankings(mode, 'json')}
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
                <h3 data-testid="ranking-title">
                  Ranking for {summary.queries[ranking.query]?.name} · {modeName(ranking.mode)}
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
