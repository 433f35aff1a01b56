import type { Transaction } from '../domain/index.ts';
import { utcDay } from './day-buckets.ts';
import type { MerchantHistory } from './merchant-history.ts';

// The live scorer's view of a merchant's labelled history (loaded from Postgres by
// services/scorer/merchant-history-store.ts), turned into the MerchantHistory the feature spec
// encodes from, as of each transaction's own time.

/** One labelled transaction of a merchant: its day, and each label it got with when that became known. */
export interface LabelledTransaction {
  day: number;
  /** Labels oldest first. */
  labels: Array<{ knownMs: number; fraud: boolean }>;
}

/** What Postgres knows of one merchant's recent past: transactions per day and its labelled transactions. */
export interface MerchantRecord {
  counts: Map<number, number>;
  labelled: LabelledTransaction[];
}

/**
 * The merchant's history as a transaction at `atMs` may see it: every day's transaction count, and
 * as frauds only the transactions whose latest label known by `atMs` says fraud. A label (or a
 * correction) that became known later is invisible, so replaying history never peeks ahead.
 */
export function merchantHistoryAt(record: MerchantRecord, atMs: number): MerchantHistory {
  const frauds = new Map<number, number>();
  for (const tx of record.labelled) {
    let fraud = false;
    for (const label of tx.labels) if (label.knownMs <= atMs) fraud = label.fraud;
    if (fraud) frauds.set(tx.day, (frauds.get(tx.day) ?? 0) + 1);
  }
  const days = [...record.counts].map(([day, count]) => ({ day, count, frauds: frauds.get(day) ?? 0 })).sort((a, b) => a.day - b.day);
  return { days };
}

/** Counts a transaction into the record, so later transactions of the same batch see it. */
export function addToMerchantRecord(record: MerchantRecord, tx: Transaction): void {
  const day = utcDay(Date.parse(tx.timestamp));
  record.counts.set(day, (record.counts.get(day) ?? 0) + 1);
}
