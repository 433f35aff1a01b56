import type { DayRow, RankingSummary } from './backtest-metrics.ts';

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SERIES: Array<{ key: 'loop' | 'unsupervisedBaseline' | 'supervisedBaseline'; name: string; colour: string }> = [
  { key: 'loop', name: 'feedback loop', colour: '#2459c9' },
  { key: 'unsupervisedBaseline', name: 'autoencoder, no feedback', colour: '#98a2b3' },
  { key: 'supervisedBaseline', name: 'supervised, all labels', colour: '#23854a' },
];

/** One metric per day for each series; `ceiling`, when given, is drawn dashed: the best the days allowed. */
function panel(days: readonly DayRow[], metric: keyof RankingSummary, title: string, ceiling?: keyof RankingSummary): string {
  const width = 420;
  const height = 200;
  const pad = { left: 40, right: 10, top: 24, bottom: 28 };
  const x = (i: number) => pad.left + (days.length <= 1 ? 0 : (i / (days.length - 1)) * (width - pad.left - pad.right));
  const y = (v: number) => pad.top + (1 - Math.max(0, Math.min(1, v))) * (height - pad.top - pad.bottom);
  const polyline = (values: readonly number[], style: string, name: string) => {
    const points = values
      .map((v, i) => [i, v] as const)
      .filter(([, v]) => Number.isFinite(v))
      .map(([i, v]) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`)
      .join(' ');
    return `<polyline fill="none" ${style} points="${points}"><title>${escape(name)}</title></polyline>`;
  };
  const lines = SERIES.map(({ key, colour, name }) => polyline(days.map((day) => day[key][metric]), `stroke="${colour}" stroke-width="2"`, name)).join('');
  // A day row ranks that day alone, so every series has the same ceiling there; the loop's is drawn.
  const ceilingLine = ceiling ? polyline(days.map((day) => day.loop[ceiling]), 'stroke="#667085" stroke-width="1.5" stroke-dasharray="4 3"', 'the best the day allowed') : '';
  const ticks = [0, 0.5, 1].map((v) => `<text x="${pad.left - 6}" y="${y(v) + 4}" text-anchor="end" font-size="10">${v}</text><line x1="${pad.left}" x2="${width - pad.right}" y1="${y(v)}" y2="${y(v)}" stroke="#eef0f4"/>`).join('');
  const labels = days.length === 0 ? '' : `<text x="${pad.left}" y="${height - 8}" font-size="10">${escape(days[0]!.day)}</text><text x="${width - pad.right}" y="${height - 8}" font-size="10" text-anchor="end">${escape(days[days.length - 1]!.day)}</text>`;
  return `<svg viewBox="0 0 ${width} ${height}" width="${width}" height="${height}" role="img" aria-label="${escape(title)}"><text x="${pad.left}" y="14" font-size="12" font-weight="600">${escape(title)}</text>${ticks}${ceilingLine}${lines}${labels}</svg>`;
}

/** A self-contained HTML page (inline SVG, no scripts) with the learning curves of a backtest. */
export function learningCurveHtml(title: string, days: readonly DayRow[]): string {
  const legend = SERIES.map(({ name, colour }) => `<span style="color:${colour}">■</span> ${escape(name)}`).join(' &nbsp; ');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escape(title)}</title></head>
<body style="font:14px system-ui,sans-serif;margin:24px">
<h1 style="font-size:18px">${escape(title)}</h1><p>${legend}</p>
${panel(days, 'averagePrecision', 'Average precision per day')}
${panel(days, 'cardPrecisionAtK', 'Card precision@k per day (dashed: best possible)', 'cardPrecisionCeiling')}
${panel(days, 'rocAuc', 'ROC AUC per day')}
</body></html>
`;
}
