import type { Producer } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import type { ScoredBatch, SourceRecord } from './score-batch.ts';

/**
 * The Kafka half of a batch, in one Kafka transaction: its decisions (new and replayed), its dead
 * letters, and the input offset after its last record. Consumers reading committed records see all
 * of it or none of it; on any error the transaction is aborted and the error rethrown.
 */
export async function publishBatch(
  producer: Producer,
  topics: Pick<Config['topics'], 'decisions' | 'transactions.dlq'>,
  consumerGroupId: string,
  records: readonly SourceRecord[],
  scored: ScoredBatch,
): Promise<void> {
  const last = records[records.length - 1]!;
  const transaction = await producer.transaction();
  try {
    const decisions = [...scored.decisions.map(({ decision }) => decision), ...scored.replayed];
    if (decisions.length > 0) {
      await transaction.send({
        topic: topics.decisions,
        messages: decisions.map((decision) => ({ key: decision.accountId, value: JSON.stringify(decision) })),
      });
    }
    if (scored.deadLetters.length > 0) {
      await transaction.send({
        topic: topics['transactions.dlq'],
        messages: scored.deadLetters.map(({ key, letter }) => ({ key, value: JSON.stringify(letter) })),
      });
    }
    await transaction.sendOffsets({
      consumerGroupId,
      topics: [{ topic: last.topic, partitions: [{ partition: last.partition, offset: (BigInt(last.offset) + 1n).toString() }] }],
    });
    await transaction.commit();
  } catch (error) {
    await transaction.abort().catch(() => {});
    throw error;
  }
}
