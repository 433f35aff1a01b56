import { type Admin, Kafka, type KafkaConfig, logLevel as KafkaLogLevel, type LogEntry, Partitioners, type Producer, type ProducerConfig } from 'kafkajs';
import type { TopicName } from '../domain/index.ts';
import type { Config } from './config.ts';
import type { Logger } from './logger.ts';

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [KafkaLogLevel.ERROR]: 'error',
  [KafkaLogLevel.WARN]: 'warn',
  [KafkaLogLevel.INFO]: 'info',
  [KafkaLogLevel.DEBUG]: 'debug',
};

/** A kafkajs client whose logs go through our structured logger. */
export function createKafka(config: Pick<Config, 'kafka'>, logger: Logger, overrides: Partial<KafkaConfig> = {}): Kafka {
  const kafkaLogger = logger.child({ component: 'kafkajs' });
  return new Kafka({
    clientId: config.kafka.clientId,
    brokers: config.kafka.brokers,
    logLevel: KafkaLogLevel.WARN,
    logCreator:
      () =>
      ({ level, namespace, log }: LogEntry) => {
        const { message, ...rest } = log;
        kafkaLogger[LEVELS[level] ?? 'info']({ namespace, ...rest }, message);
      },
    ...overrides,
  });
}

/**
 * A producer with the Java client's partitioner (murmur2 of the key), so an account lands on the same
 * partition whichever client produced it: per-account state depends on that.
 */
export function createProducer(kafka: Kafka, options: Omit<ProducerConfig, 'createPartitioner'> = {}): Producer {
  return kafka.producer({ ...options, createPartitioner: Partitioners.DefaultPartitioner });
}

/** Per-topic settings that are part of the contract, not a deployment choice. */
const TOPIC_SETTINGS: Partial<Record<TopicName, Record<string, string>>> = {
  // Scorers read the latest announcement per key at start-up; older ones can go.
  'model-updates': { 'cleanup.policy': 'compact' },
  // A dead letter carries the original bytes base64-encoded (4/3 larger) plus the reasons.
  'transactions.dlq': { 'max.message.bytes': String(4 * 1024 * 1024) },
};

/**
 * kafkajs' default retry gives up after about 10 s, less than a broker restart can take (a broker
 * killed with SIGKILL needs ~10 s here before it serves again). When it gave up, the consumer
 * crashed and rejoined as a new member, and the group then waited out the old member's session:
 * 30 s without a decision after a 10 s outage (test/integration/kafka-restart.test.ts). A
 * long-running service outlasts a broker restart: it retries for about a minute.
 */
export const SERVICE_RETRY: Partial<KafkaConfig> = { retry: { initialRetryTime: 300, maxRetryTime: 5_000, retries: 15 } };

/** ensureTopics with an admin client of its own, for a caller that needs no admin afterwards. */
export async function ensureTopicsExist(kafka: Kafka, config: Pick<Config, 'kafka' | 'topics'>): Promise<string[]> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await ensureTopics(admin, config);
  } finally {
    await admin.disconnect();
  }
}

/** Creates any missing Loupe topic. Existing topics are left as they are. */
export async function ensureTopics(admin: Admin, config: Pick<Config, 'kafka' | 'topics'>): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = (Object.entries(config.topics) as Array<[TopicName, string]>).filter(([, name]) => !existing.has(name));
  if (missing.length === 0) return [];
  await admin.createTopics({
    // kafkajs' own leader wait can fail on metadata that has not propagated yet; poll below instead.
    waitForLeaders: false,
    topics: missing.map(([logical, name]) => ({
      topic: name,
      numPartitions: logical === 'model-updates' ? 1 : config.kafka.partitions,
      replicationFactor: config.kafka.replicationFactor,
      configEntries: Object.entries(TOPIC_SETTINGS[logical] ?? {}).map(([configName, value]) => ({ name: configName, value })),
    })),
  });
  const created = missing.map(([, name]) => name);
  await waitForLeaders(admin, created);
  return created;
}

async function waitForLeaders(admin: Admin, topics: string[], timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const { topics: metadata } = await admin.fetchTopicMetadata({ topics });
      if (metadata.every((topic) => topic.partitions.length > 0 && topic.partitions.every((p) => p.leader >= 0))) return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
    }
    if (Date.now() > deadline) throw new Error(`topics ${topics.join(', ')} have no leader after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** True when `groupId` has committed offsets up to the end of every partition of `topic`. */
export async function groupCaughtUp(admin: Admin, groupId: string, topic: string): Promise<boolean> {
  const ends = await admin.fetchTopicOffsets(topic);
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return ends.every(({ partition, high }) => {
    const done = committed?.partitions.find((p) => p.partition === partition)?.offset ?? '-1';
    return high === '0' || BigInt(done) >= BigInt(high);
  });
}
