import type { Context, View } from '../context.ts';
import { h, mount } from '../dom.ts';
import { explanation } from './explanation.ts';

/**
 * One item, read-only (from search). A labelled item can be corrected here: by whoever gave the
 * current label, or by a lead (the API enforces it; the buttons are only offered where it would).
 */
export function itemView(ctx: Context, itemId: number): View {
  const element = h('div', { className: 'item-view' }, h('p', { className: 'muted' }, 'Loading…'));

  async function load(): Promise<void> {
    try {
      const details = await ctx.api.item(itemId);
      const latest = details.labels[details.labels.length - 1];
      const mayCorrect = latest !== undefined && (latest.analyst === ctx.session.username || ctx.session.role !== 'analyst');
      const correct = (label: 'fraud' | 'legit') => async () => {
        try {
          await ctx.api.correct(itemId, { label });
          ctx.notify(`Corrected ${details.item.transactionId} to ${label}.`);
          await load();
        } catch (error) {
          ctx.fail(error);
        }
      };
      mount(
        element,
        h('h2', { className: 'item-title' }, `Item ${details.item.id} · ${details.item.status}`),
        mayCorrect && latest
          ? h(
              'div',
              { className: 'actions' },
              h('span', {}, `Current label: ${latest.label}. Correct it to `),
              h('button', { className: 'danger', attrs: { type: 'button' }, on: { click: () => void correct('fraud')() } }, 'fraud'),
              h('button', { className: 'ok', attrs: { type: 'button' }, on: { click: () => void correct('legit')() } }, 'legit'),
            )
          : null,
        explanation(details),
      );
    } catch (error) {
      mount(element, h('p', { className: 'muted' }, 'Could not load this item.'));
      ctx.fail(error);
    }
  }
  void load();
  return { element };
}
