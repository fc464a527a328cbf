/** Exports of the Probing panel: the grid as CSV or JSON, a chart (an <svg>) as PNG. */
import { gridCsv } from '../../../core/probe/report';
import type { ProbeGridResult } from '../../../core/probe/types';
import { download } from '../../format';

const slug = (s: string) =>
  s
    .replace(/[^\w.-]+/g, '-')
    .replace(/^-|-$/g, '')
    .toLowerCase();

export const runFileStem = (r: Pick<ProbeGridResult, 'model' | 'dataset'>) =>
  `probe-${slug(r.model.name)}-${slug(r.dataset.name)}`;

export function exportCsv(r: ProbeGridResult): void {
  download(`${runFileStem(r)}.csv`, gridCsv(r), 'text/csv');
}

export function exportJson(r: ProbeGridResult): void {
  download(`${runFileStem(r)}.json`, JSON.stringify(r, null, 2), 'application/json');
}

/** Draws an SVG (with its computed styles, on the panel's background colour) onto a canvas at 2x and saves it. */
export async function exportSvgPng(svg: SVGSVGElement, fileName: string): Promise<void> {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  const { width, height } = svg.getBoundingClientRect();
  clone.setAttribute('width', String(width));
  clone.setAttribute('height', String(height));
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  // CSS variables and classes do not travel with the markup: inline the resolved styles that matter.
  const source = svg.querySelectorAll<SVGElement>('*');
  clone.querySelectorAll<SVGElement>('*').forEach((el, i) => {
    const cs = getComputedStyle(source[i]);
    for (const prop of [
      'fill',
      'stroke',
      'stroke-width',
      'stroke-dasharray',
      'font-size',
      'font-weight',
      'opacity',
    ]) {
      el.style.setProperty(prop, cs.getPropertyValue(prop));
    }
    el.style.setProperty('font-family', 'system-ui, sans-serif');
  });
  const url = URL.createObjectURL(
    new Blob([new XMLSerializer().serializeToString(clone)], { type: 'image/svg+xml' }),
  );
  try {
    const img = new Image();
    await new Promise<void>((resolve, reject) => {
      img.onload = () => resolve();
      img.onerror = () => reject(new Error('the chart could not be rendered'));
      img.src = url;
    });
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(width * 2);
    canvas.height = Math.ceil(height * 2);
    const ctx = canvas.getContext('2d')!;
    const panel = getComputedStyle(document.documentElement).getPropertyValue('--panel').trim();
    ctx.fillStyle = panel || '#ffffff';
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.scale(2, 2);
    ctx.drawImage(img, 0, 0, width, height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (blob) download(fileName, blob, 'image/png');
  } finally {
    URL.revokeObjectURL(url);
  }
}
