import { useEffect, useRef } from 'react';
import type { DatasetStats } from '../../../core/data/stats';
import { drawImageCell, toImageData } from '../../components/image-canvas';
import { download } from '../../format';

const CELL = 56;

/** Per-channel mean/std and the mean image of each class, with a JSON export. */
export function StatsView({
  stats,
  classNames,
  shape,
  datasetName,
}: {
  stats: DatasetStats;
  classNames: string[];
  shape: { height: number; width: number; channels: number };
  datasetName: string;
}) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const shown = stats.classMeans.map((m, i) => ({ m, i })).filter(({ i }) => stats.classCounts[i] > 0);

  useEffect(() => {
    const el = canvas.current;
    if (!el) return;
    el.width = shown.length * (CELL + 4);
    el.height = CELL;
    const ctx = el.getContext('2d')!;
    shown.forEach(({ m }, k) => {
      drawImageCell(
        ctx,
        toImageData(m, 0, shape.height, shape.width, shape.channels),
        k * (CELL + 4),
        0,
        CELL,
        CELL,
      );
    });
  }, [shown, shape]);

  const channels = shape.channels === 3 ? ['R', 'G', 'B'] : ['gray'];
  const exportJson = () =>
    download(
      `${datasetName.replace(/\W+/g, '_')}-stats.json`,
      JSON.stringify(
        {
          dataset: datasetName,
          count: stats.count,
          channelMean: stats.channelMean,
          channelStd: stats.channelStd,
          classCounts: Object.fromEntries(classNames.map((n, i) => [n, stats.classCounts[i]])),
        },
        null,
        2,
      ),
      'application/json',
    );

  return (
    <div className="stats" data-testid="stats">
      <table>
        <thead>
          <tr>
            <th>channel</th>
            <th>mean</th>
            <th>std</th>
          </tr>
        </thead>
        <tbody>
          {channels.map((c, i) => (
            <tr key={c}>
              <td>{c}</td>
              <td data-testid={`mean-${i}`}>{stats.channelMean[i].toFixed(4)}</td>
              <td>{stats.channelStd[i].toFixed(4)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {shown.length > 0 && (
        <figure>
          <canvas ref={canvas} aria-label="Mean image of each class" />
          <figcaption>mean image per class: {shown.map(({ i }) => classNames[i]).join(' · ')}</figcaption>
        </figure>
      )}
      <button type="button" className="small" onClick={exportJson}>
        Export JSON
      </button>
    </div>
  );
}
