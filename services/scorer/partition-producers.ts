import type { Kafka, Producer } from 'kafkajs';
import { createProducer } from '../platform/kafka.ts';

/**
 * One transactional producer per input partition, with a transactional id derived from the
 * partition rather than the process. Whoever owns a partition after a rebalance or a crash starts a
 * producer with the same id, which fences the previous owner: its open Kafka transaction is aborted
 * and it can commit nothing more. (kafkajs cannot send the consumer group generation with offsets,
 * KIP-447, so this older pattern is what makes exactly-once hold across scorer processes.)
 */
interface Entry {
  topic: string;
  partition: number;
  producer: Promise<Producer>;
}

export class PartitionProducers {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly kafka: Kafka,
    private readonly transactionalIdPrefix: string,
  ) {}

  private transactionalId(topic: string, partition: number) {
    return `${this.transactionalIdPrefix}-${topic}-${partition}`;
  }

  get(topic: string, partition: number): Promise<Producer> {
    const transactionalId = this.transactionalId(topic, partition);
    const existing = this.entries.get(transactionalId);
    if (existing !== undefined) return existing.producer;
    const created = createProducer(this.kafka, { transactionalId, idempotent: true, maxInFlightRequests: 1 });
    // kafkajs registers the transactional id with the broker (InitProducerId, which fences the
    // previous owner) only when a first transaction begins, not on connect. Begin and abort an empty
    // one now, so the fencing has happened before the caller reads anything it will act on. An
    // abort with nothing sent does not reach the broker.
    const producer = created.connect().then(async () => {
      const fence = await created.transaction();
      await fence.abort();
      return created;
    });
    // A failed connect must not be cached: the next batch tries again.
    producer.catch(() => this.entries.delete(transactionalId));
    this.entries.set(transactionalId, { topic, partition, producer });
    return producer;
  }

  /** Drops a producer (after an error, or when its partition is revoked); the next use makes a new one. */
  async release(topic: string, partition: number): Promise<void> {
    const transactionalId = this.transactionalId(topic, partition);
    const entry = this.entries.get(transactionalId);
    this.entries.delete(transactionalId);
    await entry?.producer.then((p) => p.disconnect()).catch(() => {});
  }

  /** Keeps only the producers of the given partitions of `topic`. */
  async retain(topic: string, partitions: readonly number[]): Promise<void> {
    const keep = new Set(partitions);
    const stale = [...this.entries.values()].filter((entry) => entry.topic === topic && !keep.has(entry.partition));
    await Promise.all(stale.map((entry) => this.release(entry.topic, entry.partition)));
  }

  async closeAll(): Promise<void> {
    const all = [...this.entries.values()];
    this.entries.clear();
    await Promise.all(all.map((entry) => entry.producer.then((p) => p.disconnect()).catch(() => {})));
  }
}
