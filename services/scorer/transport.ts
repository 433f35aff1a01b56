import type { KafkaClientName } from '../platform/config.ts';
import type { SourceRecord } from './score-batch.ts';

/** A message the scorer produces: a decision on `decisions`, or a dead letter. */
export interface OutgoingMessage {
  topic: string;
  /** The account id of a decision; the original key bytes of a dead letter. */
  key: string | Buffer | null;
  value: string;
}

export interface ConsumerHandlers {
  /**
   * Consecutive records of one input partition, at most the transport's chunk size; never two chunks
   * of one partition at once. A rejection makes the transport deliver that partition's records again
   * from the group's committed offset, after a backoff.
   */
  process(partition: number, records: SourceRecord[]): Promise<void>;
  /** The partitions of the input topic this member holds after joining the group. */
  assigned(partitions: number[]): void;
  /**
   * The transport lost its consumer and is building a new one: whatever was cached for any
   * partition may be stale, and its last commit may or may not have happened.
   */
  lost(error: Error): void;
  /** A consumer rebuilt after `lost` has joined the group again. */
  rebuilt(attempt: number): void;
}

/**
 * All the scorer asks of a Kafka client. The scorer's logic (exactly once with Postgres, caches,
 * review budgets) is written once against this; each client implements it in a module of its own,
 * so the two can be compared on the same end-to-end run (bench/end-to-end.ts).
 */
export interface ScorerTransport {
  readonly client: KafkaClientName;
  /** Joins the consumer group on the input topic and hands records to `handlers` until stopped. */
  start(handlers: ConsumerHandlers): Promise<void>;
  /** Stops consuming (a chunk in flight finishes and commits), then closes producers and connections. */
  stop(): Promise<void>;
  /**
   * Starts this partition's transactional producer if it is not running. Its transactional id is
   * derived from the partition, so starting it fences any previous owner of the partition: call it
   * before reading anything the chunk will act on.
   */
  claim(partition: number): Promise<void>;
  /**
   * One Kafka transaction: `messages`, and the group's committed offset of `partition` moved to
   * `nextOffset`. Consumers reading committed records see all of it or none of it.
   */
  commit(partition: number, messages: readonly OutgoingMessage[], nextOffset: bigint): Promise<void>;
  /** Drops this partition's producer after an error; the next claim starts a new one. */
  release(partition: number): Promise<void>;
  /** The group's committed offset of `partition` on the input topic (-1 when there is none). */
  committedOffset(partition: number): Promise<bigint>;
}

/**
 * The most bytes one produce request of a transaction may carry for a partition. Both clients put a
 * send's messages for one partition in one record batch, and the broker refuses a record batch over
 * the topic's max.message.bytes (1 MiB by default): a batch of large decisions sent at once would be
 * refused on every retry, and the partition would stop. Sending in slices under this bound, within
 * the same Kafka transaction, keeps the all-or-nothing guarantee whatever the batch size.
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

/** The messages of `messages` per topic, in order, each topic's list cut into slices of at most `maxBytes`. */
export function sendSlices(messages: readonly OutgoingMessage[], maxBytes = MAX_SEND_BYTES): Array<{ topic: string; messages: OutgoingMessage[] }> {
  const byTopic = new Map<string, OutgoingMessage[]>();
  for (const message of messages) {
    const list = byTopic.get(message.topic);
    if (list === undefined) byTopic.set(message.topic, [message]);
    else list.push(message);
  }
  return [...byTopic].flatMap(([topic, list]) => sliceByBytes(list, maxBytes).map((slice) => ({ topic, messages: slice })));
}
