import type { Kafka, Producer } from 'kafkajs';
import type { Config } from '../../services/platform/config.ts';
import { createProducer } from '../../services/platform/kafka.ts';
import { createScorerTransport } from '../../services/scorer/create-transport.ts';
import { createScorer, type Scorer, type ScorerDeps } from '../../services/scorer/scorer.ts';
import { createTestTopics, deleteTestTopics, testConfig, testKafka, testLogger, waitForGroupCaughtUp } from './kafka.ts';
import { createTestDatabase, type TestDatabase } from './postgres.ts';

export interface PipelineFixture {
  db: TestDatabase;
  config: Config;
  kafka: Kafka;
  /** Idempotent, so a retried send never puts a record on the input topic twice. */
  producer: Producer;
  /** Runs an in-process scorer until it has committed everything on `transactions`, then stops it. */
  scoreAll(options?: TestScorerOptions): Promise<void>;
  teardown(): Promise<void>;
}

export type TestScorerOptions = Partial<Pick<ScorerDeps, 'model' | 'backend' | 'nowMs'>> & { batchSize?: number };

/**
 * A clock for the scorer whose first reading throws `error`, failing the first batch that asks for
 * the time, and which reads the real time after that; `failed()` tells whether it has thrown.
 */
export function clockFailingOnce(error: Error): { nowMs: () => number; failed: () => boolean } {
  let failed = false;
  return {
    nowMs: () => {
      if (!failed) {
        failed = true;
        throw error;
      }
      return Date.now();
    },
    failed: () => failed,
  };
}

/** A scorer on the test's topics and schema, on the Kafka client the config names (LOUPE_SCORER_KAFKA_CLIENT). */
export function testScorer(config: Config, kafka: Kafka, pool: ScorerDeps['pool'], options: TestScorerOptions = {}): Scorer {
  const { batchSize, ...rest } = options;
  const transport = createScorerTransport(config, testLogger, { kafka, ...(batchSize === undefined ? {} : { chunkSize: batchSize }) });
  return createScorer({ config, transport, pool, logger: testLogger, ...rest });
}

/** A schema, topics, consumer group and producer that belong to one test file alone. */
export async function setUpPipeline(env: Record<string, string> = {}): Promise<PipelineFixture> {
  const db = await createTestDatabase();
  const config = testConfig({ DATABASE_SCHEMA: db.schema, ...env });
  const kafka = testKafka(config);
  await createTestTopics(kafka, config);
  const producer = createProducer(kafka, { idempotent: true });
  await producer.connect();
  return {
    db,
    config,
    kafka,
    producer,
    async scoreAll(options = {}) {
      const scorer = testScorer(config, kafka, db.pool, options);
      await scorer.start();
      try {
        await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions);
      } finally {
        await scorer.stop();
      }
    },
    async teardown() {
      await producer.disconnect();
      await deleteTestTopics(kafka, config);
      await db.drop();
    },
  };
}
