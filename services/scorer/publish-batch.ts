import type { Producer } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import type { ScoredBatch, SourceRecord } from './score-batch.ts';

/**
 * The most bytes one send of a batch may carry. kafkajs puts a send's messages for one partition in
 * one record batch, and the broker refuses a record batch over the topic's max.message.bytes (1 MiB
 * by default): a batch of large decisions sent at once would be refused on every retry, and the
 * partition would stop. Sending in slices under this bound, within the same Kafka transaction, keeps
 * the all-or-nothing guarantee whatever the batch size.
 */
export const MAX_SEND_BYTES = 512 * 1024;

/** Splits messages into consecutive slices of at most `maxBytes` (a message alone over it gets a slice of its own). */
export function sliceByBytes<T extends { key: string | Buffer | null; value: string | Buffer }>(messages: readonly T[], maxBytes: number): T[][] {
  // Per-record overhead of the record batch format (lengths, offsets, timestamp deltas, headers).
  const RECORD_OVERHEAD = 64;
  const slices: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const message of messages) {
    const size = Buffer.byteLength(message.value) + (message.key === null ? 0 : Buffer.byteLength(message.key)) + RECORD_OVERHEAD;
    if (current.length > 0 && bytes + size > maxBytes) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(message);
    bytes += size;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}

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
    const decisionMessages = decisions.map((decision) => ({ key: decision.accountId, value: JSON.stringify(decision) }));
    for (const messages of sliceByBytes(decisionMessages, MAX_SEND_BYTES)) await transaction.send({ topic: topics.decisions, messages });
    const letters = scored.deadLetters.map(({ key, letter }) => ({ key, value: JSON.stringify(letter) }));
    for (const messages of sliceByBytes(letters, MAX_SEND_BYTES)) await transaction.send({ topic: topics['transactions.dlq'], messages });
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
