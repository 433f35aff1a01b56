import type { Config } from '../platform/config.ts';
import { decisionDocuments } from './decision-documents.ts';
import type { ScoredBatch } from './score-batch.ts';
import type { OutgoingMessage } from './transport.ts';

/**
 * The Kafka half of a batch: its decisions (new and replayed) keyed by account, and its dead letters.
 * The transport commits them in one Kafka transaction with the input offset after the batch.
 */
export function batchMessages(topics: Pick<Config['topics'], 'decisions' | 'transactions.dlq'>, scored: ScoredBatch): OutgoingMessage[] {
  const onDecisions = (accountId: string, message: string) => ({ topic: topics.decisions, key: accountId, value: message });
  return [
    ...scored.decisions.map(({ decision, documents }) => onDecisions(decision.accountId, documents.message)),
    ...scored.replayed.map((decision) => onDecisions(decision.accountId, decisionDocuments(decision).message)),
    ...scored.deadLetters.map(({ key, letter }) => ({ topic: topics['transactions.dlq'], key, value: JSON.stringify(letter) })),
  ];
}
