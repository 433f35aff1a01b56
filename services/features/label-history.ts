import { utcDay } from './day-buckets.ts';

/** Transactions and confirmed frauds of one merchant (or account) on one UTC day. */
export interface LabelledDay {
  day: number;
  count: number;
  frauds: number;
}

/**
 * What the label-derived features know about one merchant (a terminal, in the handbook's data) or
 * one account: per-day transaction and fraud counts, oldest first. Fraud counts are read only after
 * a label delay, so a feature never uses a label that would not have been known yet when the
 * transaction happened. Owned and updated in place by the encoder that carries it, for speed over
 * millions of rows.
 */
export interface LabelHistory {
  days: LabelledDay[];
}

/** The histories a transaction's label-derived features read: its merchant's and its account's. */
export interface LabelHistories {
  merchant?: LabelHistory | undefined;
  account?: LabelHistory | undefined;
}

export const emptyLabelHistory = (): LabelHistory => ({ days: [] });

/** Adds one transaction (and its label) and forgets days older than `keepDays` before it. */
export function recordLabelledTransaction(history: LabelHistory, timeMs: number, fraud: boolean, keepDays: number): void {
  const day = utcDay(timeMs);
  const last = history.days[history.days.length - 1];
  if (last !== undefined && last.day === day) {
    last.count++;
    if (fraud) last.frauds++;
  } else {
    history.days.push({ day, count: 1, frauds: fraud ? 1 : 0 });
    // Out-of-order days are rare; keep the list sorted when they happen.
    if (last !== undefined && last.day > day) history.days.sort((a, b) => a.day - b.day);
  }
  const newest = history.days[history.days.length - 1]!.day;
  while (history.days.length > 0 && history.days[0]!.day <= newest - keepDays) history.days.shift();
}

/**
 * Transactions and frauds over the `windowDays` days ending `delayDays` before the day of `timeMs`:
 * as the handbook's terminal features, the window whose labels are known by then.
 */
export function delayedWindow(history: LabelHistory, timeMs: number, windowDays: number, delayDays: number): { count: number; frauds: number } {
  const end = utcDay(timeMs) - delayDays;
  let count = 0;
  let frauds = 0;
  for (const bucket of history.days) {
    if (bucket.day <= end && bucket.day > end - windowDays) {
      count += bucket.count;
      frauds += bucket.frauds;
    }
  }
  return { count, frauds };
}
