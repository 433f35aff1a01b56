import type { Dashboard } from '../api.ts';
import { chart } from '../chart.ts';
import type { Context, View } from '../context.ts';
import { h, mount } from '../dom.ts';

const REFRESH_MS = 30_000;
const WINDOWS = [6, 24, 72, 168];

function legend(entries: Array<[string, string]>): HTMLElement {
  return h('div', { className: 'legend' }, ...entries.map(([name, className]) => h('span', {}, h('i', { className: `swatch ${className}` }), name)));
}

function charts(data: Dashboard): HTMLElement[] {
  const starts = data.buckets.map((bucket) => bucket.start);
  const total = (pick: (b: Dashboard['buckets'][number]) => number) => data.buckets.reduce((sum, b) => sum + pick(b), 0);
  const minutes = Math.round(data.bucketSeconds / 60);
  return [
    h(
      'figure',
      { dataset: { testid: 'chart-queue-depth' } },
      h('figcaption', {}, `Queue depth (now ${data.buckets[data.buckets.length - 1]?.queueDepth ?? 0})`),
      chart({ title: 'Queue depth', starts, kind: 'line', series: [{ name: 'waiting', values: data.buckets.map((b) => b.queueDepth), className: 's-depth' }] }),
    ),
    h(
      'figure',
      { dataset: { testid: 'chart-review-rate' } },
      h('figcaption', {}, `Labels per ${minutes} min (${total((b) => b.labeled)} in the window)`),
      chart({ title: 'Review rate', starts, kind: 'stacked-bars', series: [{ name: 'labels', values: data.buckets.map((b) => b.labeled), className: 's-labels' }] }),
    ),
    h(
      'figure',
      { dataset: { testid: 'chart-decision-mix' } },
      h('figcaption', {}, `Decisions per ${minutes} min`),
      legend([
        ['approve', 's-approve'],
        ['review', 's-review'],
        ['decline', 's-decline'],
      ]),
      chart({
        title: 'Decision mix',
        starts,
        kind: 'stacked-bars',
        series: [
          { name: 'approve', values: data.buckets.map((b) => b.decisions.approve), className: 's-approve' },
          { name: 'review', values: data.buckets.map((b) => b.decisions.review), className: 's-review' },
          { name: 'decline', values: data.buckets.map((b) => b.decisions.decline), className: 's-decline' },
        ],
      }),
    ),
  ];
}

/** Queue depth, review rate and decision mix over a chosen window, refreshed every 30 s. */
export function dashboardView(ctx: Context): View {
  const hours = h('select', { attrs: { id: 'dashboard-hours', 'aria-label': 'window' } }, ...WINDOWS.map((n) => h('option', { attrs: { value: String(n) } }, n < 48 ? `last ${n} h` : `last ${n / 24} days`)));
  hours.value = '24';
  const body = h('div', { className: 'charts' });
  async function load(): Promise<void> {
    try {
      mount(body, ...charts(await ctx.api.dashboard(Number(hours.value))));
    } catch (error) {
      ctx.fail(error);
    }
  }
  hours.addEventListener('change', () => void load());
  const timer = window.setInterval(() => void load(), REFRESH_MS);
  void load();
  return {
    element: h('div', { className: 'dashboard-view' }, h('div', { className: 'toolbar' }, h('h2', {}, 'Dashboard'), hours), body),
    dispose: () => window.clearInterval(timer),
  };
}
