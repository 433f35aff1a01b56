import { compatibilityPartitioner, Consumer, FetchIsolationLevels, type Message, type MessagesStream, Producer } from '@platformatic/kafka';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import type { SourceRecord } from './score-batch.ts';
import { type ConsumerHandlers, type OutgoingMessage, type ScorerTransport, sendSlices } from './transport.ts';

export interface PlatformaticTransportOptions {
  config: Pick<Config, 'kafka' | 'topics' | 'scorer'>;
  logger: Logger;
  /** Records per chunk handed to the scorer. */
  chunkSize: number;
}

/** Records held in memory across partitions before the stream is paused (backpressure on the broker). */
const MAX_BUFFERED_RECORDS = 20_000;

// Keys and values arrive as Buffers, or undefined for a null key or a tombstone (the client's types say Buffer).
type FetchedRecord = Message;

/** The group membership a record was fetched under: its offset commit is refused if the generation has moved on (KIP-447). */
type FetchedUnder = Pick<FetchedRecord, 'topic' | 'partition' | 'metadata'>;

/**
 * The scorer's transport on @platformatic/kafka. The client hands out a stream of single records
 * across partitions; this module turns it into the chunks the scorer works on: a queue per
 * partition, a worker per partition that takes up to `chunkSize` queued records at a time (so a
 * backlog makes large chunks, a trickle small ones), at most `partitionsConcurrently` workers at
 * once, and the stream paused while too much is queued.
 *
 * The stream has no seek: after a failed chunk the whole stream is closed, every worker is let
 * finish, and a new stream starts from the group's committed offsets. When the group rebalances,
 * the stream re-reads committed offsets for all its partitions and so fetches again what is queued
 * or in flight; records below the next expected offset of a partition are dropped for that reason.
 *
 * Offsets are committed in the producer's transaction with the consumer's group generation of the
 * fetch (TxnOffsetCommit v3+, KIP-447), besides the fencing by a transactional id per partition that
 * the kafkajs transport relies on alone.
 */
export function createPlatformaticTransport({ config, logger, chunkSize }: PlatformaticTransportOptions): ScorerTransport {
  const inputTopic = config.topics.transactions;
  const groupId = config.scorer.groupId;
  // As SERVICE_RETRY for kafkajs: a long-running service outlasts a broker restart.
  const connection = { clientId: config.kafka.clientId, bootstrapBrokers: config.kafka.brokers, retries: 15, retryDelay: 1_000 };
  const consumer = new Consumer({ ...connection, groupId, autocommit: false, isolationLevel: FetchIsolationLevels.READ_COMMITTED, maxWaitTime: 500 });
  const producers = new Map<number, Promise<Producer>>();
  const queues = new Map<number, FetchedRecord[]>();
  /** The offset each partition's next record must have; lower ones were queued already. */
  const nextExpected = new Map<number, bigint>();
  const lastFetched = new Map<number, FetchedUnder>();
  const workers = new Map<number, Promise<void>>();
  let handlers: ConsumerHandlers | null = null;
  let stream: MessagesStream<Buffer, Buffer, Buffer, Buffer> | null = null;
  let buffered = 0;
  let activeWorkers = 0;
  const waitingForSlot: Array<() => void> = [];
  // Bumped whenever the stream is replaced: workers of an older epoch stop taking chunks.
  let epoch = 0;
  let running = false;
  let restarting: Promise<void> | null = null;
  let restartAttempts = 0;

  function queueFor(partition: number): FetchedRecord[] {
    let queue = queues.get(partition);
    if (queue === undefined) {
      queue = [];
      queues.set(partition, queue);
    }
    return queue;
  }

  function onRecord(record: FetchedRecord): void {
    const expected = nextExpected.get(record.partition);
    if (expected !== undefined && record.offset < expected) return;
    nextExpected.set(record.partition, record.offset + 1n);
    queueFor(record.partition).push(record);
    buffered += 1;
    if (buffered >= MAX_BUFFERED_RECORDS) stream?.pause();
    if (!workers.has(record.partition)) {
      const worker = work(record.partition, epoch).finally(() => workers.delete(record.partition));
      workers.set(record.partition, worker);
    }
  }

  async function slot(): Promise<void> {
    if (activeWorkers < config.scorer.partitionsConcurrently) {
      activeWorkers += 1;
      return;
    }
    await new Promise<void>((resolve) => waitingForSlot.push(resolve));
  }

  function releaseSlot(): void {
    const next = waitingForSlot.shift();
    if (next === undefined) activeWorkers -= 1;
    else next();
  }

  async function work(partition: number, workerEpoch: number): Promise<void> {
    const queue = queueFor(partition);
    while (workerEpoch === epoch && queue.length > 0) {
      await slot();
      try {
        if (workerEpoch !== epoch) return;
        const chunk = queue.splice(0, chunkSize);
        buffered -= chunk.length;
        if (buffered < MAX_BUFFERED_RECORDS / 2 && stream?.isPaused()) stream.resume();
        const last = chunk[chunk.length - 1]!;
        lastFetched.set(partition, { topic: last.topic, partition, metadata: last.metadata });
        await handlers!.process(partition, chunk.map(toSourceRecord));
      } catch (error) {
        if (workerEpoch === epoch) void restart(error as Error);
        return;
      } finally {
        releaseSlot();
      }
    }
  }

  function assignedPartitions(): number[] {
    const assignment = consumer.assignments?.find((a) => a.topic === inputTopic);
    return [...(assignment?.partitions ?? [])].sort((a, b) => a - b);
  }

  function onGroupJoin(): void {
    restartAttempts = 0;
    const assigned = assignedPartitions();
    // Queued records of a partition now elsewhere are its new owner's to decide; a partition that
    // comes back later starts from the committed offset, not from what this member saw before.
    for (const partition of [...queues.keys(), ...nextExpected.keys()]) {
      if (assigned.includes(partition)) continue;
      buffered -= queues.get(partition)?.length ?? 0;
      queues.delete(partition);
      nextExpected.delete(partition);
    }
    for (const partition of [...producers.keys()]) if (!assigned.includes(partition)) void release(partition);
    handlers!.assigned(assigned);
  }

  async function openStream(): Promise<void> {
    const opened = await consumer.consume({ topics: [inputTopic], mode: 'committed', fallbackMode: 'earliest', autocommit: false, sessionTimeout: 30_000, heartbeatInterval: 3_000 });
    stream = opened;
    opened.on('data', onRecord);
    opened.on('error', (error: Error) => {
      logger.error({ err: error }, 'consumer stream failed');
      void restart(error);
    });
  }

  /** Closes the stream, lets every worker finish its chunk, forgets what was queued, and consumes again from the committed offsets. */
  function restart(cause: Error): Promise<void> {
    if (restarting !== null || !running) return restarting ?? Promise.resolve();
    epoch += 1;
    handlers!.lost(cause);
    const attempt = ++restartAttempts;
    const delayMs = Math.min(30_000, 500 * 2 ** (attempt - 1));
    logger.warn({ delayMs, attempt, err: cause }, 'consuming again from the committed offsets');
    restarting = (async () => {
      const previous = stream;
      stream = null;
      await previous?.close().catch(() => undefined);
      await Promise.all(workers.values());
      queues.clear();
      nextExpected.clear();
      buffered = 0;
      for (;;) {
        await new Promise((resolve) => setTimeout(resolve, delayMs));
        if (!running) return;
        try {
          await openStream();
          handlers!.rebuilt(attempt);
          return;
        } catch (error) {
          logger.error({ err: error }, 'could not consume again; retrying');
        }
      }
    })().finally(() => {
      restarting = null;
    });
    return restarting;
  }

  function producerFor(partition: number): Promise<Producer> {
    const existing = producers.get(partition);
    if (existing !== undefined) return existing;
    const producer = new Producer({
      ...connection,
      idempotent: true,
      transactionalId: `${groupId}-tx-${inputTopic}-${partition}`,
      // The Java client's partitioner (murmur2 of the key, sign bit cleared), as createProducer uses
      // with kafkajs: an account's decisions land on the same partition whichever client sent them.
      partitioner: compatibilityPartitioner,
      autocreateTopics: false,
    });
    // Beginning a transaction registers the transactional id (InitProducerId), which fences the
    // previous owner of the partition; cancelling the empty transaction sends nothing. The client
    // would send producer id 0 and epoch 0, which the coordinator takes for an existing producer
    // asking to bump its epoch, and answers PRODUCER_FENCED once any other producer has used the id:
    // -1 and -1 say "a new producer", as the Java client does.
    const ready = producer
      .beginTransaction({ producerId: -1n, producerEpoch: -1 })
      .then((transaction) => transaction.cancel())
      .then(() => producer);
    ready.catch(() => {
      producers.delete(partition);
      void producer.close().catch(() => undefined);
    });
    producers.set(partition, ready);
    return ready;
  }

  async function release(partition: number): Promise<void> {
    const entry = producers.get(partition);
    producers.delete(partition);
    await entry?.then((producer) => producer.close()).catch(() => undefined);
  }

  return {
    client: 'platformatic',
    async start(consumerHandlers) {
      handlers = consumerHandlers;
      running = true;
      consumer.on('consumer:group:join', onGroupJoin);
      await openStream();
    },
    async stop() {
      running = false;
      epoch += 1;
      await restarting;
      await stream?.close().catch(() => undefined);
      stream = null;
      await Promise.all(workers.values());
      await Promise.all([...producers.keys()].map(release));
      await consumer.close().catch(() => undefined);
    },
    async claim(partition) {
      await producerFor(partition);
    },
    release,
    async commit(partition: number, messages: readonly OutgoingMessage[], nextOffset: bigint) {
      const producer = await producerFor(partition);
      const fetched = lastFetched.get(partition);
      if (fetched === undefined) throw new Error(`no record of partition ${partition} was fetched; nothing to commit`);
      const transaction = await producer.beginTransaction();
      try {
        for (const slice of sendSlices(messages)) {
          await transaction.send({
            messages: slice.messages.map(({ topic, key, value }) => ({ topic, key: key === null ? undefined : Buffer.from(key), value: Buffer.from(value) })),
          });
        }
        await transaction.addConsumer(consumer);
        // TxnOffsetCommit commits the offset after the given record's.
        await transaction.addOffset({ ...fetched, offset: nextOffset - 1n } as FetchedRecord);
        await transaction.commit();
      } catch (error) {
        await transaction.abort().catch(() => undefined);
        throw error;
      }
    },
    async committedOffset(partition) {
      const committed = await consumer.listCommittedOffsets({ topics: [{ topic: inputTopic, partitions: [partition] }] });
      return committed.get(inputTopic)?.[partition] ?? -1n;
    },
  };
}

function toSourceRecord(record: FetchedRecord): SourceRecord {
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset.toString(),
    key: record.key ?? null,
    value: record.value ?? null,
    timestamp: record.timestamp.toString(),
  };
}
