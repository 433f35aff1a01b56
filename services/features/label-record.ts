import type { Transaction } from '../domain/index.ts';
import { utcDay } from './day-buckets.ts';
import type { LabelHistory } from './label-history.ts';

// The live scorer's view of a merchant's or an account's labelled history (loaded from Postgres by
// services/scorer/label-history-store.ts), turned into the LabelHistory the feature spec encodes
// from, as of each transaction's own time.

/** One labelled transaction of a merchant or account: its day, and each label it got with when that became known. */
export interface LabelledTransaction {
  day: number;
  /** Labels oldest first. */
  labels: Array<{ knownMs: number; fraud: boolean }>;
}

/**
 * What Postgres knows of one merchant's or account's recent past: its labelled transactions and, for
 * a merchant, its transactions per day (an account's own counts are not needed by any feature).
 */
export interface LabelRecord {
  counts: Map<number, number>;
  labelled: LabelledTransaction[];
}

/**
 * The merchant's (or account's) history as a transaction at `atMs` may see it: every day's
 * transaction count, and as frauds only the transactions whose latest label known by `atMs` says
 * fraud. A label (or a correction) that became known later is invisible, so replaying history never
 * peeks ahead.
 */
export function historyAt(record: LabelRecord, atMs: number): LabelHistory {
  const frauds = new Map<number, number>();
  for (const tx of record.labelled) {
    let fraud = false;
    for (const label of tx.labels) if (label.knownMs <= atMs) fraud = label.fraud;
    if (fraud) frauds.set(tx.day, (frauds.get(tx.day) ?? 0) + 1);
  }
  const days = [...new Set([...record.counts.keys(), ...frauds.keys()])]
    .sort((a, b) => a - b)
    .map((day) => ({ day, count: record.counts.get(day) ?? 0, frauds: frauds.get(day) ?? 0 }));
  return { days };
}

/** Counts a transaction into the record, so later transactions of the same batch see it. */
export function addToRecord(record: LabelRecord, tx: Transaction): void {
  const day = utcDay(Date.parse(tx.timestamp));
  record.counts.set(day, (record.counts.get(day) ?? 0) + 1);
}
