import { type Channel, type Transaction, TransactionSchema } from '../domain/transaction.ts';
import type { LabelledRecord } from './column-mapping.ts';
import { MappingError } from './column-mapping.ts';

/** What a dataset does not say but a Loupe `Transaction` requires. */
export interface TransactionDefaults {
  currency: string;
  country: string;
  channel: Channel;
  merchantCategory: string;
  /** Used when the dataset has no amount column (or the cell is empty). */
  amount?: number;
  /**
   * Prepended to the transaction, account and merchant ids, so two datasets (or two replays of
   * one) can share a database without their ids colliding. Default "".
   */
  idPrefix?: string;
  attributes?: Record<string, unknown>;
}

/**
 * A Loupe `Transaction` for replaying a labelled record through the real pipeline. The label is
 * not part of it: ground truth stays with the caller.
 *
 * A dataset with no account (the ULB data) gets one account per transaction, `<prefix><id>`,
 * rather than one shared placeholder account: a shared account would invent a history and make
 * every per-account velocity fact meaningless. The same holds for merchants. Validated with the
 * domain schema; a `MappingError` lists every problem.
 */
export function toTransaction(record: LabelledRecord, defaults: TransactionDefaults): Transaction {
  const prefix = defaults.idPrefix ?? '';
  const amount = record.amount ?? defaults.amount;
  if (amount === undefined) {
    throw new MappingError(`record ${record.id}: no amount, and no default amount was given`, 'transaction defaults');
  }
  const candidate = {
    id: `${prefix}${record.id}`,
    timestamp: new Date(record.timestampMs).toISOString(),
    accountId: `${prefix}${record.accountId ?? record.id}`,
    amount,
    currency: defaults.currency,
    merchantId: `${prefix}${record.merchantId ?? record.id}`,
    merchantCategory: defaults.merchantCategory,
    country: defaults.country,
    channel: defaults.channel,
    ...(defaults.attributes === undefined ? {} : { attributes: defaults.attributes }),
    ...(Object.keys(record.features).length === 0 ? {} : { features: record.features }),
  };
  const result = TransactionSchema.safeParse(candidate);
  if (!result.success) {
    const problems = result.error.issues.map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
    throw new MappingError(`record ${record.id} is not a valid transaction: ${problems.join('; ')}`, 'transaction defaults');
  }
  return result.data;
}
