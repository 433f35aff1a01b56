import type { Admin, Consumer, EachBatchPayload, Kafka } from 'kafkajs';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { PartitionProducers } from './partition-producers.ts';
import type { SourceRecord } from './score-batch.ts';
import { type ConsumerHandlers, type OutgoingMessage, type ScorerTransport, sendSlices } from './transport.ts';

export interface KafkajsTransportOptions {
  kafka: Kafka;
  config: Pick<Config, 'topics' | 'scorer'>;
  logger: Logger;
  /** Records per chunk handed to the scorer (kafkajs fetches larger batches; they are cut to this). */
  chunkSize: number;
}

/**
 * A failed chunk, rethrown so that kafkajs retries it (re-fetching from the last resolved offset,
 * with backoff), as every failed chunk should be: Postgres recognises decisions it already stored,
 * and the aborted Kafka transaction is never seen.
 */
export class BatchFailedError extends Error {
  override name = 'BatchFailedError';
  readonly retriable = true;
}

/**
 * kafkajs marks some of its errors non-retriable although the cause is transient: a coordinator
 * lookup that meets a restarting broker fails with KafkaJSGroupCoordinatorNotFound, and any call
 * whose own retries ran out fails with KafkaJSNumberOfRetriesExceeded. Thrown from eachBatch as
 * they are, the consumer's retrier gives up at once and the consumer crashes, for good when the
 * cause is not retriable either: after a broker SIGKILL the scorer never consumed again
 * (test/integration/kafka-restart.test.ts). Such errors are wrapped so they are retried like any
 * other; errors kafkajs already retries (Postgres errors, retriable Kafka errors) and programming
 * errors (TypeError...) pass through unchanged.
 */
function retriable(error: unknown): unknown {
  if ((error as { retriable?: unknown } | null)?.retriable !== false) return error;
  return new BatchFailedError(`batch failed: ${(error as Error).message}`, { cause: error });
}

/** The scorer's transport on kafkajs: eachBatch consumption, one transactional producer per partition. */
export function createKafkajsTransport({ kafka, config, logger, chunkSize }: KafkajsTransportOptions): ScorerTransport {
  const inputTopic = config.topics.transactions;
  const producers = new PartitionProducers(kafka, `${config.scorer.groupId}-tx`);
  let handlers: ConsumerHandlers | null = null;
  let consumer: Consumer | null = null;
  let admin: Admin | null = null;
  let running = false;
  let consumerRestart: NodeJS.Timeout | undefined;
  let restartAttempts = 0;

  async function eachBatch({ batch, resolveOffset, heartbeat, isRunning, isStale }: EachBatchPayload): Promise<void> {
    const { partition } = batch;
    for (let i = 0; i < batch.messages.length; i += chunkSize) {
      if (!isRunning() || isStale()) return;
      const records: SourceRecord[] = batch.messages.slice(i, i + chunkSize).map((message) => ({
        topic: batch.topic,
        partition,
        offset: message.offset,
        key: message.key,
        value: message.value,
        timestamp: message.timestamp,
      }));
      try {
        await handlers!.process(partition, records);
      } catch (error) {
        throw retriable(error);
      }
      resolveOffset(records[records.length - 1]!.offset);
      await heartbeat();
    }
  }

  async function startConsumer(): Promise<void> {
    const created = kafka.consumer({
      groupId: config.scorer.groupId,
      readUncommitted: false,
      retry: { retries: 8, initialRetryTime: 300, maxRetryTime: 30_000, restartOnFailure: async () => true },
    });
    consumer = created;
    created.on(created.events.GROUP_JOIN, ({ payload }) => {
      restartAttempts = 0;
      const assigned = [...(payload.memberAssignment[inputTopic] ?? [])].sort((a, b) => a - b);
      void producers.retain(inputTopic, assigned);
      handlers!.assigned(assigned);
    });
    created.on(created.events.CRASH, ({ payload }) => {
      logger.error({ err: payload.error, restart: payload.restart }, 'consumer crashed');
      if (!payload.restart) scheduleConsumerRestart(payload.error);
    });
    await created.connect();
    await created.subscribe({ topic: inputTopic, fromBeginning: true });
    await created.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: config.scorer.partitionsConcurrently, eachBatch });
  }

  /**
   * kafkajs gives up on a consumer for good when a crash's cause is not marked retriable. Some of
   * those causes are transient: a group join that meets a broker coming back from SIGKILL fails
   * with "Failed to find group coordinator" (seen in test/integration/kafka-restart.test.ts, where
   * the scorer then never consumed again). The transport does not give up: it builds a new
   * consumer, with backoff, until it joins the group again or is stopped.
   */
  function scheduleConsumerRestart(cause: Error): void {
    if (!running || consumerRestart !== undefined) return;
    handlers!.lost(cause);
    const attempt = ++restartAttempts;
    const delayMs = Math.min(30_000, 500 * 2 ** (attempt - 1));
    logger.warn({ delayMs, attempt }, 'rebuilding the consumer');
    consumerRestart = setTimeout(() => {
      consumerRestart = undefined;
      const previous = consumer;
      void (async () => {
        await previous?.disconnect().catch(() => undefined);
        if (!running) return;
        await startConsumer();
        handlers!.rebuilt(attempt);
      })().catch((error: unknown) => {
        logger.error({ err: error }, 'could not rebuild the consumer; trying again');
        scheduleConsumerRestart(error as Error);
      });
    }, delayMs);
  }

  return {
    client: 'kafkajs',
    async start(consumerHandlers) {
      handlers = consumerHandlers;
      running = true;
      admin = kafka.admin();
      await admin.connect();
      await startConsumer();
    },
    async stop() {
      running = false;
      clearTimeout(consumerRestart);
      consumerRestart = undefined;
      await consumer?.disconnect();
      await producers.closeAll();
      await admin?.disconnect();
    },
    async claim(partition) {
      await producers.get(inputTopic, partition);
    },
    release: (partition) => producers.release(inputTopic, partition),
    async commit(partition: number, messages: readonly OutgoingMessage[], nextOffset: bigint) {
      const producer = await producers.get(inputTopic, partition);
      const transaction = await producer.transaction();
      try {
        for (const slice of sendSlices(messages)) await transaction.send({ topic: slice.topic, messages: slice.messages.map(({ key, value }) => ({ key, value })) });
        await transaction.sendOffsets({
          consumerGroupId: config.scorer.groupId,
          topics: [{ topic: inputTopic, partitions: [{ partition, offset: nextOffset.toString() }] }],
        });
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => {});
        throw error;
      }
    },
    async committedOffset(partition) {
      const [topic] = await admin!.fetchOffsets({ groupId: config.scorer.groupId, topics: [inputTopic] });
      return BigInt(topic?.partitions.find((p) => p.partition === partition)?.offset ?? '-1');
    },
  };
}
