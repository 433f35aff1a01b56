import { ApiError, type ItemDetails, type QueueStats } from '../api.ts';
import type { Context, View } from '../context.ts';
import { h, mount } from '../dom.ts';
import { formatAge, leaseLeft } from '../format.ts';
import type { Command } from '../keyboard.ts';
import { explanation } from './explanation.ts';

export const REASON_CODES = [
  'CARD_TESTING',
  'ACCOUNT_TAKEOVER',
  'COMPROMISED_MERCHANT',
  'STOLEN_CARD',
  'FRIENDLY_FRAUD',
  'KNOWN_CUSTOMER',
  'VERIFIED_WITH_CUSTOMER',
  'OTHER',
] as const;

const STATS_REFRESH_MS = 10_000;

/** Errors that mean the item is no longer ours to work: drop it and say why. */
const LOST_ITEM = new Set(['NOT_YOURS', 'LEASE_EXPIRED', 'ALREADY_LABELED', 'NOT_FOUND']);

function statsStrip(stats: QueueStats | null): HTMLElement {
  const count = (name: keyof QueueStats['counts'], label: string) =>
    h('div', { className: 'stat', dataset: { stat: name } }, h('span', { className: 'value' }, stats ? String(stats.counts[name]) : '…'), h('span', { className: 'name' }, label));
  return h(
    'div',
    { className: 'stats', attrs: { 'aria-live': 'polite' } },
    count('open', 'open'),
    count('claimed', 'claimed'),
    count('escalated', 'escalated'),
    count('labeled', 'labelled'),
    h('div', { className: 'stat', dataset: { stat: 'oldest' } }, h('span', { className: 'value' }, stats ? formatAge(stats.oldestWaitingSeconds) : '…'), h('span', { className: 'name' }, 'oldest waiting')),
    // Only when something is stuck: labels are recorded, but retraining has not seen them yet.
    stats && stats.labelsAwaitingPublication > 0
      ? h('div', { className: 'stat warning', dataset: { stat: 'unpublished' } }, h('span', { className: 'value' }, String(stats.labelsAwaitingPublication)), h('span', { className: 'name' }, 'labels not yet published'))
      : null,
  );
}

/**
 * The claim-next flow: claim, read, label (or skip / escalate / release), and the next item is
 * claimed at once. One request at a time: a key pressed while one is in flight is ignored, so a
 * held-down key cannot label two items.
 */
export function queueView(ctx: Context): View {
  const statsSlot = h('div', {});
  const itemSlot = h('div', { className: 'item-slot' });
  const note = h('textarea', { attrs: { id: 'note', rows: '2', maxlength: '4000', placeholder: 'Note (n to write, Esc to leave)' } });
  const reason = h('select', { attrs: { id: 'reason', 'aria-label': 'reason code' } }, h('option', { attrs: { value: '' } }, 'reason code (optional)'), ...REASON_CODES.map((code) => h('option', { attrs: { value: code } }, code)));
  const leaseText = h('span', { className: 'lease', dataset: { testid: 'lease' } });
  let current: ItemDetails | null = null;
  let busy = false;

  const button = (label: string, key: string, command: Command, className = '') =>
    h('button', { className, attrs: { type: 'button', 'aria-keyshortcuts': key }, on: { click: () => run(command) } }, label, ' ', h('kbd', {}, key.toUpperCase()));
  const actions = h(
    'div',
    { className: 'actions' },
    button('Fraud', 'f', 'fraud', 'danger'),
    button('Legit', 'l', 'legit', 'ok'),
    button('Skip', 's', 'skip'),
    button('Escalate', 'e', 'escalate'),
    button('Release', 'r', 'release'),
    reason,
    note,
    leaseText,
  );

  async function refreshStats(): Promise<void> {
    try {
      mount(statsSlot, statsStrip(await ctx.api.queue()));
    } catch (error) {
      ctx.fail(error);
    }
  }

  function show(details: ItemDetails | null): void {
    current = details;
    note.value = '';
    reason.value = '';
    if (details === null) {
      mount(itemSlot, h('div', { className: 'empty' }, h('p', {}, 'No item claimed.'), button('Claim next', 'c', 'claim', 'primary')));
    } else {
      mount(itemSlot, h('h2', { className: 'item-title' }, `Item ${details.item.id}`), actions, explanation(details));
    }
    updateLease();
  }

  function updateLease(): void {
    if (current === null) return;
    const left = leaseLeft(current.item.leaseExpiresAt, Date.now());
    leaseText.textContent = left === null ? 'lease expired: claim again' : `lease ${left}`;
    leaseText.classList.toggle('expired', left === null);
  }

  async function claimNext(): Promise<void> {
    const item = await ctx.api.claimNext();
    if (item === null) {
      show(null);
      ctx.notify('The queue is empty: nothing left for you to claim.');
      return;
    }
    show(await ctx.api.item(item.id));
  }

  async function perform(command: Command): Promise<void> {
    if (command === 'claim') return claimNext();
    if (current === null) {
      ctx.notify('Claim an item first (c).');
      return;
    }
    const { id, transactionId } = current.item;
    const noteText = note.value.trim() || undefined;
    switch (command) {
      case 'fraud':
      case 'legit': {
        await ctx.api.label(id, { label: command, note: noteText, reasonCode: reason.value || undefined });
        ctx.notify(`Labelled ${transactionId} ${command}.`);
        return claimNext();
      }
      case 'skip':
        await ctx.api.skip(id);
        ctx.notify(`Skipped ${transactionId}.`);
        return claimNext();
      case 'escalate':
        await ctx.api.escalate(id, noteText);
        ctx.notify(`Escalated ${transactionId} to a lead.`);
        return claimNext();
      case 'release':
        await ctx.api.release(id);
        ctx.notify(`Released ${transactionId} to the queue.`);
        show(null);
        return;
      default:
        return;
    }
  }

  async function run(command: Command): Promise<void> {
    if (command === 'note') {
      if (current !== null) note.focus();
      return;
    }
    if (busy) return;
    busy = true;
    try {
      await perform(command);
    } catch (error) {
      ctx.fail(error);
      if (error instanceof ApiError && LOST_ITEM.has(error.code)) show(null);
    } finally {
      busy = false;
      await refreshStats();
    }
  }

  /** A reload (or a second tab) resumes the item this analyst still holds instead of claiming another. */
  async function resume(): Promise<void> {
    try {
      const stats = await ctx.api.queue();
      mount(statsSlot, statsStrip(stats));
      const held = stats.yours[0];
      if (held !== undefined && current === null) show(await ctx.api.item(held.id));
    } catch (error) {
      ctx.fail(error);
    }
  }

  const statsTimer = window.setInterval(() => void refreshStats(), STATS_REFRESH_MS);
  const leaseTimer = window.setInterval(updateLease, 1000);
  show(null);
  void resume();

  return {
    element: h('div', { className: 'queue-view' }, statsSlot, itemSlot),
    onCommand: (command) => void run(command),
    dispose() {
      window.clearInterval(statsTimer);
      window.clearInterval(leaseTimer);
    },
  };
}
