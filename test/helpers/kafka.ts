import { randomBytes } from 'node:crypto';
import type { Kafka, KafkaMessage } from 'kafkajs';
import { loadConfig, type Config } from '../../services/platform/config.ts';
import { createKafka, ensureTopics, groupCaughtUp } from '../../services/platform/kafka.ts';
import { createLogger } from '../../services/platform/logger.ts';
import { waitFor } from './wait-for.ts';

export const testLogger = createLogger(process.env.TEST_LOG_LEVEL ?? 'silent');

/**
 * A config whose topics, consumer group and database schema belong to one test alone, against the
 * broker started for the test run (KAFKA_BROKERS) and the test database.
 */
export function testConfig(overrides: Record<string, string> = {}): Config {
  const id = randomBytes(4).toString('hex');
  return loadConfig({
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    LOUPE_TOPIC_PREFIX: `test-${id}.`,
    LOUPE_SCORER_GROUP: `test-${id}-scorer`,
    LOUPE_SCORER_INSTANCE: `test-${id}-scorer-a`,
    LOUPE_TOPIC_PARTITIONS: '2',
    // The whole suite can run the scorer on the other client: LOUPE_SCORER_KAFKA_CLIENT=platformatic npm test.
    LOUPE_SCORER_KAFKA_CLIENT: process.env.LOUPE_SCORER_KAFKA_CLIENT ?? 'kafkajs',
    LOG_LEVEL: 'silent',
    ...overrides,
  });
}

export async function createTestTopics(kafka: Kafka, config: Config): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTestTopics(kafka: Kafka, config: Config): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: Object.values(config.topics), timeout: 10_000 });
  } catch {
    // Deleting is tidiness, not correctness: topics have unique names per test.
  } finally {
    await admin.disconnect();
  }
}

export const testKafka = (config: Config) => createKafka(config, testLogger);

/**
 * Reads every committed record of `topic` up to its current end. Call it once the writers are done:
 * it then returns exactly what consumers of the topic will ever see, so tests can assert exact counts.
 */
export async function readAllCommitted(kafka: Kafka, topic: string, timeoutMs = 60_000): Promise<Array<KafkaMessage & { partition: number }>> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map((await admin.fetchTopicOffsets(topic)).map(({ partition, high }) => [partition, BigInt(high)]));
  await admin.disconnect();
  const pending = new Set([...ends].filter(([, high]) => high > 0n).map(([partition]) => partition));
  const messages: Array<KafkaMessage & { partition: number }> = [];
  if (pending.size === 0) return messages;
  const consumer = kafka.consumer({ groupId: `reader-${randomBytes(4).toString('hex')}`, readUncommitted: false });
  await consumer.connect();
  try {
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch }) => {
        messages.push(...batch.messages.map((message) => ({ ...message, partition: batch.partition })));
        // lastOffset() counts the transaction markers that never reach us as messages.
        if (BigInt(batch.lastOffset()) >= ends.get(batch.partition)! - 1n) pending.delete(batch.partition);
      },
    });
    await waitFor(`the end of ${topic} (${pending.size} partitions left, ${messages.length} records read)`, () => pending.size === 0, timeoutMs);
    return messages;
  } finally {
    await consumer.disconnect();
  }
}

/** Waits until `groupId` has committed offsets up to the end of `topic`: everything produced was processed. */
export async function waitForGroupCaughtUp(kafka: Kafka, groupId: string, topic: string, timeoutMs = 60_000): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await waitFor(`consumer group ${groupId} to commit to the end of ${topic}`, () => groupCaughtUp(admin, groupId, topic), timeoutMs, 100);
  } finally {
    await admin.disconnect();
  }
}
