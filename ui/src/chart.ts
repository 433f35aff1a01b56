import { svg } from './dom.ts';
import { niceCeiling } from './format.ts';

export interface Series {
  name: string;
  values: readonly number[];
  /** CSS class giving the series its colour (styles.css). */
  className: string;
}

export interface ChartOptions {
  title: string;
  /** ISO start of each bucket; the first and last are labelled on the x axis. */
  starts: readonly string[];
  series: readonly Series[];
  kind: 'line' | 'stacked-bars';
}

const WIDTH = 560;
const HEIGHT = 180;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };

const hhmm = (iso: string) => iso.slice(5, 16).replace('T', ' ');

/** A small SVG chart (no library): a line per series, or bars stacked per bucket. */
export function chart(options: ChartOptions): SVGElement {
  const n = options.starts.length;
  const totals = options.starts.map((_, i) =>
    options.kind === 'stacked-bars' ? options.series.reduce((sum, s) => sum + (s.values[i] ?? 0), 0) : Math.max(...options.series.map((s) => s.values[i] ?? 0)),
  );
  const top = niceCeiling(Math.max(0, ...totals));
  const plotW = WIDTH - PAD.left - PAD.right;
  const plotH = HEIGHT - PAD.top - PAD.bottom;
  const x = (i: number) => PAD.left + (i / Math.max(1, n)) * plotW;
  const y = (v: number) => PAD.top + plotH - (v / top) * plotH;
  const step = plotW / Math.max(1, n);

  const parts: SVGElement[] = [
    svg('title', {}, options.title),
    svg('line', { x1: PAD.left, y1: y(0), x2: WIDTH - PAD.right, y2: y(0), class: 'axis' }),
    svg('line', { x1: PAD.left, y1: y(top), x2: WIDTH - PAD.right, y2: y(top), class: 'gridline' }),
    svg('text', { x: PAD.left - 6, y: y(top) + 4, class: 'tick', 'text-anchor': 'end' }, String(top)),
    svg('text', { x: PAD.left - 6, y: y(0) + 4, class: 'tick', 'text-anchor': 'end' }, '0'),
  ];
  if (n > 0) {
    parts.push(svg('text', { x: PAD.left, y: HEIGHT - 6, class: 'tick' }, hhmm(options.starts[0]!)));
    parts.push(svg('text', { x: WIDTH - PAD.right, y: HEIGHT - 6, class: 'tick', 'text-anchor': 'end' }, hhmm(options.starts[n - 1]!)));
  }
  if (options.kind === 'line') {
    for (const series of options.series) {
      const points = series.values.map((v, i) => `${(x(i) + step / 2).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
      parts.push(svg('polyline', { points, class: `line ${series.className}` }, svg('title', {}, series.name)));
    }
  } else {
    for (let i = 0; i < n; i++) {
      let base = 0;
      for (const series of options.series) {
        const v = series.values[i] ?? 0;
        if (v > 0) {
          parts.push(
            svg(
              'rect',
              { x: (x(i) + 1).toFixed(1), y: y(base + v).toFixed(1), width: Math.max(1, step - 2).toFixed(1), height: (y(base) - y(base + v)).toFixed(1), class: `bar ${series.className}` },
              svg('title', {}, `${series.name}: ${v} (${hhmm(options.starts[i]!)})`),
            ),
          );
        }
        base += v;
      }
    }
  }
  return svg('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, class: 'chart', role: 'img', 'aria-label': options.title }, ...parts);
}
