import type { Config } from '../platform/config.ts';
import type { ScoredBatch } from './score-batch.ts';
import type { OutgoingMessage } from './transport.ts';

/**
 * The Kafka half of a batch: its decisions (new and replayed) keyed by account, and its dead letters.
 * The transport commits them in one Kafka transaction with the input offset after the batch.
 */
export function batchMessages(topics: Pick<Config['topics'], 'decisions' | 'transactions.dlq'>, scored: ScoredBatch): OutgoingMessage[] {
  const decisions = [...scored.decisions.map(({ decision }) => decision), ...scored.replayed];
  return [
    ...decisions.map((decision) => ({ topic: topics.decisions, key: decision.accountId, value: JSON.stringify(decision) })),
    ...scored.deadLetters.map(({ key, letter }) => ({ topic: topics['transactions.dlq'], key, value: JSON.stringify(letter) })),
  ];
}
