import type { ReviewItem, SearchBy } from '../api.ts';
import type { Context, View } from '../context.ts';
import { h, mount } from '../dom.ts';
import { formatPercent, formatTime } from '../format.ts';

export const SEARCH_FIELDS = ['transaction', 'account', 'status'] as const;
export type SearchField = (typeof SEARCH_FIELDS)[number];

/**
 * Search review items by transaction id, account id or status (a lead lists `escalated` to work
 * them); a result opens the item's page.
 */
export function searchView(ctx: Context, initial: { by: SearchField; value: string } | null): View {
  const input = h('input', { attrs: { id: 'search-input', type: 'search', maxlength: '128', placeholder: 'transaction id, account id, or a status such as escalated', autocomplete: 'off' } });
  const by = h('select', { attrs: { id: 'search-by', 'aria-label': 'search by' } }, ...SEARCH_FIELDS.map((field) => h('option', { attrs: { value: field } }, field)));
  const results = h('div', { className: 'results', dataset: { testid: 'search-results' } });

  function row(item: ReviewItem): HTMLElement {
    const link = h('a', { attrs: { href: `#/items/${item.id}` } }, item.transactionId);
    return h('tr', {}, ...[link, item.accountId, item.status, formatPercent(item.priority), item.claimedBy ?? '', formatTime(item.createdAt)].map((cell) => h('td', {}, cell)));
  }

  async function search(): Promise<void> {
    const value = input.value.trim();
    if (value === '') return;
    const query: SearchBy = by.value === 'account' ? { account: value } : by.value === 'status' ? { status: value } : { transaction: value };
    history.replaceState(null, '', `#/search?${new URLSearchParams(query).toString()}`);
    try {
      const { items } = await ctx.api.search(query);
      mount(
        results,
        items.length === 0
          ? h('p', { className: 'muted' }, `No review items for ${by.value} ${value}.`)
          : h(
              'table',
              {},
              h('thead', {}, h('tr', {}, ...['transaction', 'account', 'status', 'priority', 'claimed by', 'created'].map((name) => h('th', {}, name)))),
              h('tbody', {}, ...items.map(row)),
            ),
      );
    } catch (error) {
      ctx.fail(error);
    }
  }

  const form = h(
    'form',
    { className: 'search', attrs: { role: 'search' }, on: { submit: (event) => { event.preventDefault(); void search(); } } },
    by,
    input,
    h('button', { attrs: { type: 'submit' } }, 'Search'),
  );
  if (initial !== null) {
    by.value = initial.by;
    input.value = initial.value;
    void search();
  }
  queueMicrotask(() => input.focus());
  return { element: h('div', { className: 'search-view' }, form, results) };
}
