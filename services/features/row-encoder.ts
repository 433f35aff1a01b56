import type { AccountState, Transaction } from '../domain/index.ts';
import { applyTransaction, emptyAccountState } from './account-state.ts';
import type { CompiledFeatureSpec } from './feature-spec.ts';
import { emptyLabelHistory, type LabelHistory, recordLabelledTransaction } from './label-history.ts';

/**
 * Encodes a stream of transactions, in event-time order, into one row-major Float32Array, carrying
 * each account's state (and, for specs with label-derived features, each merchant's and account's
 * labelled history) from transaction to transaction exactly as the scorer does. Training and
 * offline evaluation use this, so a model sees the same features in training as in production.
 */
export interface RowEncoder {
  readonly width: number;
  readonly count: number;
  /**
   * Encodes `tx` as the next row and returns its index. A spec with label-derived features also
   * needs the transaction's label: it enters the histories only after the spec's label delay.
   */
  push(tx: Transaction, label?: 0 | 1): number;
  /** The rows so far (a view; valid until the next push). */
  rows(): Float32Array;
}

export function createRowEncoder(spec: CompiledFeatureSpec, initialCapacity = 4096): RowEncoder {
  const width = spec.names.length;
  const states = new Map<string, AccountState>();
  const merchants = new Map<string, LabelHistory>();
  const accounts = new Map<string, LabelHistory>();
  const { merchant: merchantDays, account: accountDays } = spec.labelHistoryDays;
  const historyIn = (histories: Map<string, LabelHistory>, key: string) => {
    let history = histories.get(key);
    if (history === undefined) {
      history = emptyLabelHistory();
      histories.set(key, history);
    }
    return history;
  };
  let buffer = new Float32Array(width * initialCapacity);
  let count = 0;
  return {
    width,
    get count() {
      return count;
    },
    push(tx, label) {
      if ((count + 1) * width > buffer.length) {
        const grown = new Float32Array(buffer.length * 2);
        grown.set(buffer);
        buffer = grown;
      }
      const state = states.get(tx.accountId) ?? emptyAccountState();
      if (merchantDays > 0 || accountDays > 0) {
        if (label === undefined) throw new Error(`feature spec ${spec.version} has label-derived features: transaction ${tx.id} needs its label`);
        const merchant = merchantDays > 0 ? historyIn(merchants, tx.merchantId) : undefined;
        const account = accountDays > 0 ? historyIn(accounts, tx.accountId) : undefined;
        spec.encode(state, tx, buffer, count * width, { merchant, account });
        const timeMs = Date.parse(tx.timestamp);
        if (merchant) recordLabelledTransaction(merchant, timeMs, label === 1, merchantDays);
        if (account) recordLabelledTransaction(account, timeMs, label === 1, accountDays);
      } else {
        spec.encode(state, tx, buffer, count * width);
      }
      states.set(tx.accountId, applyTransaction(state, tx));
      return count++;
    },
    rows: () => buffer.subarray(0, count * width),
  };
}
