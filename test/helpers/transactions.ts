import type { Producer } from 'kafkajs';
import type { Transaction, TransactionInput } from '../../services/domain/index.ts';
import { applyTransaction, emptyAccountState } from '../../services/features/account-state.ts';

/** A valid, ordinary transaction; `i` makes ids unique and spreads accounts over partitions. */
export function ordinaryTransaction(i: number, overrides: Partial<TransactionInput> = {}): TransactionInput {
  return {
    id: `tx-${i}`,
    timestamp: new Date(Date.now() - 60_000 + (i % 1000)).toISOString(),
    accountId: `acct-${i % 37}`,
    amount: (10 + (i % 90)).toFixed(2),
    currency: 'EUR',
    merchantId: `merch-${i % 11}`,
    merchantCategory: '5411',
    country: 'FR',
    channel: 'card_present',
    deviceId: `dev-${i % 37}`,
    ...overrides,
  };
}

export async function produceTransactions(producer: Producer, topic: string, transactions: readonly TransactionInput[]): Promise<void> {
  await producer.send({
    topic,
    messages: transactions.map((tx) => ({ key: tx.accountId, value: JSON.stringify(tx) })),
  });
}

/**
 * Builds validated-shape transactions of one account at `startMs + offsetMs`, for the pure feature
 * and state tests; `extra` overrides any field.
 */
export function transactionsFrom(startMs: number): (offsetMs: number, extra?: Partial<Transaction>) => Transaction {
  let counter = 0;
  return (offsetMs, extra = {}) => ({
    id: `tx-${++counter}`,
    timestamp: new Date(startMs + offsetMs).toISOString(),
    accountId: 'acct-1',
    amount: 20,
    currency: 'EUR',
    merchantId: 'merch-1',
    merchantCategory: '5411',
    country: 'FR',
    channel: 'card_present',
    deviceId: 'dev-1',
    ...extra,
  });
}

/** An account's state after `transactions`, in order. */
export const foldTransactions = (transactions: readonly Transaction[]) => transactions.reduce(applyTransaction, emptyAccountState());
