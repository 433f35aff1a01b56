import type { Producer } from 'kafkajs';
import type { TransactionInput } from '../../services/domain/index.ts';

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
