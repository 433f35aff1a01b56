import type { Context, View } from '../context.ts';
import { h, mount } from '../dom.ts';
import { explanation } from './explanation.ts';

/**
 * One item, read-only (from search). A labelled item can be corrected here by whoever gave the
 * current label or by a lead; a lead can assign an unlabelled one (an escalation, say) to an
 * analyst. The API enforces both; the controls are only offered where it would allow them.
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
      const assignee = h('input', { attrs: { id: 'assign-to', placeholder: 'analyst username', maxlength: '64', autocomplete: 'off' } });
      const assign = async () => {
        try {
          await ctx.api.assign(itemId, assignee.value.trim());
          ctx.notify(`Assigned ${details.item.transactionId} to ${assignee.value.trim()}.`);
          await load();
        } catch (error) {
          ctx.fail(error);
        }
      };
      const mayAssign = ctx.session.role !== 'analyst' && details.item.status !== 'labeled';
      mount(
        element,
        h('h2', { className: 'item-title' }, `Item ${details.item.id} · ${details.item.status}`, details.item.note ? ` · note: ${details.item.note}` : ''),
        mayAssign
          ? h(
              'form',
              { className: 'actions', on: { submit: (event) => { event.preventDefault(); void assign(); } } },
              h('label', { attrs: { for: 'assign-to' } }, details.item.assignedTo ? `Assigned to ${details.item.assignedTo}; reassign to` : 'Assign to'),
              assignee,
              h('button', { attrs: { type: 'submit' } }, 'Assign'),
            )
          : null,
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
