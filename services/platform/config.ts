import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { TOPIC_NAMES, type TopicName } from '../domain/index.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import type { ReviewBudgetConfig } from '../policy/review-budget.ts';
import type { HeadTrainingConfig } from '../trainer/head-candidate.ts';
import type { RefreshConfig } from '../trainer/refresh-autoencoder.ts';

/** The Kafka clients the scorer can run on; the rest of Loupe uses kafkajs. */
export const KAFKA_CLIENTS = ['kafkajs', 'platformatic'] as const;
export type KafkaClientName = (typeof KAFKA_CLIENTS)[number];

const integer = (fallback: number, min: number, max: number) =>
  z.coerce.number().int().min(min).max(max).default(fallback);
const fraction = (fallback: number) => z.coerce.number().min(0).max(1).default(fallback);
const number = (fallback: number) => z.coerce.number().refine(Number.isFinite, 'must be a finite number').default(fallback);

/**
 * Every environment variable Loupe reads, with the default that runs on a developer machine.
 * Parsed once at start-up; a bad value stops the process with a message naming the variable.
 */
const EnvSchema = z.object({
  DATABASE_URL: z.string().url().default('postgres://postgres@127.0.0.1:5432/loupe'),
  DATABASE_SCHEMA: z.string().regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lowercase SQL identifier').default('public'),
  DATABASE_POOL_SIZE: integer(10, 1, 200),

  KAFKA_BROKERS: z.string().min(1).default('127.0.0.1:9092'),
  KAFKA_CLIENT_ID: z.string().min(1).default('loupe'),
  LOUPE_TOPIC_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/, 'must use only letters, digits, ".", "_" and "-"').default(''),
  LOUPE_TOPIC_PARTITIONS: integer(4, 1, 1024),
  LOUPE_TOPIC_REPLICATION: integer(1, 1, 16),

  LOUPE_SCORER_GROUP: z.string().min(1).default('loupe-scorer'),
  LOUPE_SCORER_HTTP_PORT: integer(8081, 0, 65535),
  LOUPE_SCORER_INSTANCE: z.string().min(1).default(`scorer-${process.pid}`),
  LOUPE_SCORER_BATCH_SIZE: integer(2000, 1, 100_000),
  LOUPE_SCORER_PARTITIONS_CONCURRENTLY: integer(4, 1, 1024),
  LOUPE_SCORER_KAFKA_CLIENT: z.enum(KAFKA_CLIENTS).default('kafkajs'),
  LOUPE_SCORER_CACHED_ACCOUNTS: integer(250_000, 1, 100_000_000),
  LOUPE_REVIEW_HTTP_PORT: integer(8082, 0, 65535),
  LOUPE_REVIEW_LEASE_SECONDS: integer(300, 1, 86_400),
  LOUPE_REVIEW_SECURE_COOKIES: z.enum(['true', 'false']).default('false'),
  LOUPE_AUDIT_HTTP_PORT: integer(8083, 0, 65535),
  LOUPE_AUDIT_INTROSPECTION: z.enum(['true', 'false']).default('true'),
  LOUPE_AUDIT_LIVE: z.enum(['true', 'false']).default('true'),
  LOUPE_AUDIT_MAX_DEPTH: integer(12, 2, 100),
  LOUPE_AUDIT_MAX_COST: integer(10_000, 10, 10_000_000),
  LOUPE_AUDIT_MAX_TOKENS: integer(2000, 50, 1_000_000),
  LOUPE_RULES_DIR: z.string().min(1).default(fileURLToPath(new URL('../../rules', import.meta.url))),

  LOUPE_MAX_MESSAGE_BYTES: integer(65536, 256, 16 * 1024 * 1024),
  LOUPE_MAX_FUTURE_SKEW_SECONDS: integer(86_400, 0, 10 * 365 * 86_400),
  LOUPE_EARLIEST_TIMESTAMP: z.iso.datetime({ offset: true }).default('2000-01-01T00:00:00Z'),

  LOUPE_MODEL: z.enum(['champion', 'rules-only']).default('champion'),
  LOUPE_FEATURE_SPEC: z.string().min(1).default('card-default'),
  LOUPE_TF_BACKEND: z.enum(['auto', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).default('auto'),
  LOUPE_BOOTSTRAP_CSV: z.string().min(1).optional(),
  LOUPE_BOOTSTRAP_MAPPING: z.string().min(1).default('handbook'),
  LOUPE_MODEL_POLL_SECONDS: integer(30, 1, 3600),

  LOUPE_TRAINER_GROUP: z.string().min(1).default('loupe-trainer'),
  LOUPE_TRAINER_DEBOUNCE_MS: integer(2000, 0, 600_000),
  LOUPE_TRAINER_MIN_LABELS: integer(30, 2, 10_000_000),
  LOUPE_TRAINER_MIN_FRAUDS: integer(5, 1, 10_000_000),
  LOUPE_TRAINER_HOLDOUT: z.coerce.number().gt(0).lt(1).default(0.3),
  LOUPE_TRAINER_HOLDOUT_MAX: integer(20_000, 10, 10_000_000),
  LOUPE_TRAINER_MARGIN: fraction(0.01),
  LOUPE_TRAINER_PRECISION_K: integer(100, 1, 1_000_000),
  LOUPE_CHARGEBACK_WEIGHT: z.coerce.number().min(0).max(100).default(0.5),
  LOUPE_FEEDBACK_WEIGHT: fraction(0.5),
  LOUPE_TRAINER_REFRESH_HOURS: z.coerce.number().min(0).max(24 * 365).default(24),
  LOUPE_TRAINER_REFRESH_DAYS: integer(7, 1, 365),
  LOUPE_TRAINER_REFRESH_EPOCHS: integer(3, 1, 1000),

  LOUPE_PRIOR_FRAUD_RATE: z.coerce.number().gt(0).lt(1).default(0.01),
  LOUPE_CONFIDENCE_THRESHOLD: fraction(0.6),
  LOUPE_ANOMALY_WEIGHT: number(1.5),
  LOUPE_APPROVE_CEILING: z.coerce.number().gt(0).max(1).default(0.25),
  LOUPE_REVIEW_CAPACITY_PER_HOUR: z.coerce.number().min(0).default(0),
  LOUPE_THRESHOLD_MIN: fraction(0.05),
  LOUPE_THRESHOLD_MAX: fraction(0.95),

  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
});

export interface Config {
  database: { url: string; schema: string; poolSize: number };
  kafka: { brokers: string[]; clientId: string; partitions: number; replicationFactor: number };
  topics: Record<TopicName, string>;
  /**
   * The scorer: its consumer group, health port and name; the most records decided in one database
   * and Kafka transaction; how many of its partitions it works on at once (each batch waits on
   * Postgres and Kafka commits, so partitions overlap their waits); the Kafka client it runs on; how
   * many accounts' state it keeps in memory across its partitions (the rest is read from Postgres).
   */
  scorer: { groupId: string; httpPort: number; instanceId: string; batchSize: number; partitionsConcurrently: number; kafkaClient: KafkaClientName; cachedAccounts: number };
  /** The review API: its port, how long a claim lasts before the item returns to the queue, Secure cookies behind TLS. */
  review: { httpPort: number; leaseSeconds: number; secureCookies: boolean };
  /**
   * The GraphQL audit API: its port, whether introspection (and GraphiQL) are allowed, whether it
   * serves live subscriptions from Kafka, and the bounds on a query.
   */
  audit: { httpPort: number; introspection: boolean; live: boolean; maxDepth: number; maxCost: number; maxTokens: number };
  rulesDir: string;
  /** `champion`: score with the registry's champion (bootstrapping one if none); `rules-only`: no model. */
  model: {
    mode: 'champion' | 'rules-only';
    featureSpec: string;
    backend: 'auto' | 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu';
    /** With no champion, train the first one on this labelled CSV (through `bootstrapMapping`) rather than on simulated traffic. */
    bootstrapCsv: string | null;
    bootstrapMapping: string;
    /** How often a scorer checks the registry's champion besides the `model-updates` announcements. */
    pollSeconds: number;
  };
  /** The trainer service: its consumer group, how long it waits for more labels, and the head's gate. */
  trainer: {
    groupId: string;
    debounceMs: number;
    head: HeadTrainingConfig;
    /** Fine-tuning the autoencoder on recent traffic every `everyHours` (0: never). */
    refresh: RefreshConfig & { everyHours: number };
  };
  limits: { maxMessageBytes: number; maxFutureSkewMs: number; earliestTimestampMs: number };
  policy: PolicyConfig;
  /** When set, each scorer moves the confidence threshold to hold reviews near the analysts' capacity. */
  reviewBudget: ReviewBudgetConfig | null;
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((issue) => `  ${issue.path.join('.')}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const topics = Object.fromEntries(TOPIC_NAMES.map((name) => [name, `${e.LOUPE_TOPIC_PREFIX}${name}`])) as Record<
    TopicName,
    string
  >;
  return {
    database: { url: e.DATABASE_URL, schema: e.DATABASE_SCHEMA, poolSize: e.DATABASE_POOL_SIZE },
    kafka: {
      brokers: e.KAFKA_BROKERS.split(',').map((broker) => broker.trim()).filter(Boolean),
      clientId: e.KAFKA_CLIENT_ID,
      partitions: e.LOUPE_TOPIC_PARTITIONS,
      replicationFactor: e.LOUPE_TOPIC_REPLICATION,
    },
    topics,
    scorer: {
      groupId: e.LOUPE_SCORER_GROUP,
      httpPort: e.LOUPE_SCORER_HTTP_PORT,
      instanceId: e.LOUPE_SCORER_INSTANCE,
      batchSize: e.LOUPE_SCORER_BATCH_SIZE,
      partitionsConcurrently: e.LOUPE_SCORER_PARTITIONS_CONCURRENTLY,
      kafkaClient: e.LOUPE_SCORER_KAFKA_CLIENT,
      cachedAccounts: e.LOUPE_SCORER_CACHED_ACCOUNTS,
    },
    review: {
      httpPort: e.LOUPE_REVIEW_HTTP_PORT,
      leaseSeconds: e.LOUPE_REVIEW_LEASE_SECONDS,
      secureCookies: e.LOUPE_REVIEW_SECURE_COOKIES === 'true',
    },
    audit: {
      httpPort: e.LOUPE_AUDIT_HTTP_PORT,
      introspection: e.LOUPE_AUDIT_INTROSPECTION === 'true',
      live: e.LOUPE_AUDIT_LIVE === 'true',
      maxDepth: e.LOUPE_AUDIT_MAX_DEPTH,
      maxCost: e.LOUPE_AUDIT_MAX_COST,
      maxTokens: e.LOUPE_AUDIT_MAX_TOKENS,
    },
    rulesDir: e.LOUPE_RULES_DIR,
    model: {
      mode: e.LOUPE_MODEL,
      featureSpec: e.LOUPE_FEATURE_SPEC,
      backend: e.LOUPE_TF_BACKEND,
      bootstrapCsv: e.LOUPE_BOOTSTRAP_CSV ?? null,
      bootstrapMapping: e.LOUPE_BOOTSTRAP_MAPPING,
      pollSeconds: e.LOUPE_MODEL_POLL_SECONDS,
    },
    trainer: {
      groupId: e.LOUPE_TRAINER_GROUP,
      debounceMs: e.LOUPE_TRAINER_DEBOUNCE_MS,
      head: {
        minLabels: e.LOUPE_TRAINER_MIN_LABELS,
        minFrauds: e.LOUPE_TRAINER_MIN_FRAUDS,
        holdoutFraction: e.LOUPE_TRAINER_HOLDOUT,
        holdoutMax: e.LOUPE_TRAINER_HOLDOUT_MAX,
        margin: e.LOUPE_TRAINER_MARGIN,
        chargebackWeight: e.LOUPE_CHARGEBACK_WEIGHT,
        feedbackWeight: e.LOUPE_FEEDBACK_WEIGHT,
        precisionK: e.LOUPE_TRAINER_PRECISION_K,
        l2: 1,
      },
      refresh: {
        everyHours: e.LOUPE_TRAINER_REFRESH_HOURS,
        days: e.LOUPE_TRAINER_REFRESH_DAYS,
        maxRows: 200_000,
        minRows: 1000,
        epochs: e.LOUPE_TRAINER_REFRESH_EPOCHS,
        learningRate: 0.0005,
        seed: 1,
      },
    },
    limits: {
      maxMessageBytes: e.LOUPE_MAX_MESSAGE_BYTES,
      maxFutureSkewMs: e.LOUPE_MAX_FUTURE_SKEW_SECONDS * 1000,
      earliestTimestampMs: Date.parse(e.LOUPE_EARLIEST_TIMESTAMP),
    },
    policy: {
      priorFraudRate: e.LOUPE_PRIOR_FRAUD_RATE,
      confidenceThreshold: e.LOUPE_CONFIDENCE_THRESHOLD,
      anomalyWeight: e.LOUPE_ANOMALY_WEIGHT,
      approveCeiling: e.LOUPE_APPROVE_CEILING,
    },
    reviewBudget:
      e.LOUPE_REVIEW_CAPACITY_PER_HOUR > 0
        ? { capacityPerHour: e.LOUPE_REVIEW_CAPACITY_PER_HOUR, minThreshold: e.LOUPE_THRESHOLD_MIN, maxThreshold: e.LOUPE_THRESHOLD_MAX }
        : null,
    logLevel: e.LOG_LEVEL,
  };
}
