import type { Producer } from 'kafkajs';
import { type Label, LabelSchema } from '../domain/index.ts';

/**
 * Puts a recorded label on the `labels` topic, keyed by transaction id (a correction lands on the
 * same partition, after the label it corrects).
 *
 * Delivery, honestly: Postgres is the record; the topic is a copy published after the commit, with
 * no outbox. A failed send is retried by the (idempotent) producer and then reported to the caller
 * (the API answers `published: false`); a crash between the commit and the send loses the topic copy
 * of that one label, while the `labels` table keeps it. So: at most once on the topic, exactly once
 * in Postgres. Consumers treat (transactionId, labeledAt) as the key and the latest label per
 * transaction as the truth, so a producer retry that duplicates a record changes nothing.
 * An outbox table drained by a publisher would make the topic at-least-once; not built yet.
 */
export async function publishLabel(producer: Producer, topic: string, label: Label): Promise<void> {
  const value = JSON.stringify(LabelSchema.parse(label));
  await producer.send({ topic, messages: [{ key: label.transactionId, value, headers: { 'loupe-source': label.source } }] });
}
