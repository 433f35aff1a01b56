// What the pipeline benchmarks share: a schema, topics and consumer group of their own on the local
// broker and Postgres; a champion; simulated transactions on the input topic; scorer processes
// (`bin/loupe score`, as in production); progress read from the group's committed offsets; and the
// two ceilings measured in the same run (the broker's own consumer and Postgres's COPY).
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Admin, Kafka, Producer } from 'kafkajs';
import pg from 'pg';
import type { Transaction } from '../../services/domain/index.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { selectBackend } from '../../services/model/index.ts';
import { type Config, loadConfig } from '../../services/platform/config.ts';
import { createKafka, createProducer, ensureTopics } from '../../services/platform/kafka.ts';
import { createLogger } from '../../services/platform/logger.ts';
import { copyText } from '../../services/platform/postgres-copy.ts';
import { createPool, migrate } from '../../services/platform/postgres.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { freePort } from '../../test/helpers/ports.ts';

const run = promisify(execFile);
const REPO = new URL('../..', import.meta.url).pathname;
export const BENCH_DATABASE_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/loupe_bench';
const logger = createLogger(process.env.BENCH_LOG_LEVEL ?? 'warn');

export interface PipelineBench {
  config: Config;
  /** The environment a scorer process of this bench runs with. */
  env: Record<string, string>;
  kafka: Kafka;
  admin: Admin;
  producer: Producer;
  pool: pg.Pool;
  teardown(): Promise<void>;
}

/** Schema, topics (with `partitions`), and a champion trained on simulated traffic. */
export async function setUpPipelineBench(options: { partitions: number; env?: Record<string, string> }): Promise<PipelineBench> {
  const id = randomBytes(4).toString('hex');
  const env: Record<string, string> = {
    DATABASE_URL: BENCH_DATABASE_URL,
    DATABASE_SCHEMA: `bench_${id}`,
    KAFKA_BROKERS: process.env.KAFKA_BROKERS ?? '127.0.0.1:9092',
    LOUPE_TOPIC_PREFIX: `bench-${id}.`,
    LOUPE_TOPIC_PARTITIONS: String(options.partitions),
    LOUPE_SCORER_GROUP: `bench-${id}-scorer`,
    LOUPE_MODEL_POLL_SECONDS: '3600',
    LOG_LEVEL: process.env.SCORER_LOG_LEVEL ?? 'warn',
    ...options.env,
  };
  const config = loadConfig(env);
  await migrate(config.database);
  const pool = createPool({ ...config.database, poolSize: 4 });
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  const producer = createProducer(kafka, { idempotent: true });
  await producer.connect();

  await selectBackend(config.model.backend);
  await ensureChampion(pool, await loadFeatureSpec(config.model.featureSpec), { actor: 'bench', count: 5000, logger });

  return {
    config,
    env,
    kafka,
    admin,
    producer,
    pool,
    async teardown() {
      await producer.disconnect();
      await admin.deleteTopics({ topics: Object.values(config.topics) }).catch(() => {});
      await admin.disconnect();
      await pool.query(`DROP SCHEMA "${config.database.schema}" CASCADE`);
      await pool.end();
    },
  };
}

/** `count` simulated transactions over `accounts` accounts, ending about now, with a little fraud. */
export function simulatedTransactions(count: number, accounts: number, seed = 3): Transaction[] {
  const spanMs = (count / (accounts * 4)) * 86_400_000;
  const simulator = createSimulator({ seed, accounts, merchants: Math.max(100, accounts / 20), startMs: Date.now() - spanMs, ratePerSecond: count / (spanMs / 1000), fraudRate: 0.002 });
  return simulator.take(count).map(({ transaction }) => transaction);
}

/** Sends transactions keyed by account, in batches, as fast as the broker takes them. */
export async function produceAll(producer: Producer, topic: string, transactions: readonly Transaction[], batch = 2000): Promise<void> {
  for (let i = 0; i < transactions.length; i += batch) {
    await producer.send({
      topic,
      acks: -1,
      messages: transactions.slice(i, i + batch).map((tx) => ({ key: tx.accountId, value: JSON.stringify(tx) })),
    });
  }
}

/** Sum over partitions of the group's committed offsets on `topic`. */
export async function committedCount(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [committed] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (committed?.partitions ?? []).reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
}

/**
 * Waits until the group has committed `total` records, and measures the sustained rate: from the
 * last poll that saw nothing committed to the one that sees the end, so process start-up, model
 * loading and the group join are not counted, and a run that commits everything between two polls
 * still has a duration (at most one poll interval too long). `onIdle` runs at each poll that saw
 * nothing committed, so a caller can read counters where the measured span starts.
 */
export async function sustainedRate(
  admin: Admin,
  groupId: string,
  topic: string,
  total: number,
  options: { timeoutMs?: number; onIdle?: () => Promise<void> } = {},
): Promise<{ perSec: number; seconds: number }> {
  const deadline = Date.now() + (options.timeoutMs ?? 600_000);
  let idleAt = performance.now();
  for (;;) {
    const done = await committedCount(admin, groupId, topic);
    const now = performance.now();
    if (done === 0) {
      idleAt = now;
      await options.onIdle?.();
    }
    if (done >= total) {
      const seconds = (now - idleAt) / 1000;
      return { perSec: Math.round(total / seconds), seconds };
    }
    if (Date.now() > deadline) throw new Error(`timed out: ${done} of ${total} committed`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

export interface ScorerProcess {
  child: ChildProcess;
  /** Rejects if the process ends before stop() is called. */
  exited: Promise<never>;
  /** Its batches so far and the seconds they spent in each phase, summed over partitions (its /metrics). */
  metrics(): Promise<ScorerMetrics>;
  stop(): Promise<void>;
}

export interface ScorerMetrics {
  batches: number;
  /** CPU seconds the process has used, user and system. */
  cpuSeconds: number;
  phaseSeconds: Record<string, number>;
}

const PHASE_METRIC = /^loupe_scorer_batch_phase_seconds_total\{phase="(\w+)"\} (\S+)$/gm;
const BATCHES_METRIC = /^loupe_scorer_batches_total (\d+)$/m;
const CPU_METRIC = /^process_cpu_seconds_total (\S+)$/m;

/**
 * A scorer process (`bin/loupe score`, as in production) with the bench's environment, its health
 * endpoints on a free port; its output goes to this process's stderr. LOUPE_NODE_ARGS reaches its
 * node command line (bin/loupe).
 */
export async function startScorerProcess(env: Record<string, string>, instance: string): Promise<ScorerProcess> {
  const port = await freePort();
  const child = spawn(join(REPO, 'bin/loupe'), ['score'], {
    env: { ...process.env, ...env, LOUPE_SCORER_INSTANCE: instance, LOUPE_SCORER_HTTP_PORT: String(port) },
    stdio: ['ignore', 2, 2],
  });
  let stopping = false;
  const exited = new Promise<never>((_, reject) =>
    child.once('exit', (code, signal) => {
      if (!stopping) reject(new Error(`scorer ${instance} exited early (code ${code}, signal ${signal})`));
    }),
  );
  exited.catch(() => {});
  return {
    child,
    exited,
    async metrics() {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (!response.ok) throw new Error(`scorer ${instance}: /metrics answered ${response.status}`);
      const text = await response.text();
      return {
        batches: Number(BATCHES_METRIC.exec(text)?.[1] ?? Number.NaN),
        cpuSeconds: Number(CPU_METRIC.exec(text)?.[1] ?? Number.NaN),
        phaseSeconds: Object.fromEntries([...text.matchAll(PHASE_METRIC)].map(([, phase, seconds]) => [phase!, Number(seconds)])),
      };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        stopping = true;
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/**
 * Records per second the broker's own consumer (ConsumerPerformance, from the same jars) reads
 * `topic` at: its fetch rate, which leaves out the group join as `sustainedRate` leaves out start-up.
 */
export async function kafkaConsumeCeiling(brokers: string, topic: string, messages: number): Promise<number> {
  const { stdout } = await run(
    'bash',
    [join(REPO, 'ops/kafka.sh'), 'tool', 'org.apache.kafka.tools.ConsumerPerformance', '--bootstrap-server', brokers, '--topic', topic, '--messages', String(messages), '--timeout', '60000'],
    { maxBuffer: 16 * 1024 * 1024 },
  );
  // start.time, end.time, data.consumed.in.MB, MB.sec, data.consumed.in.nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec, fetch.nMsg.sec
  const cells = stdout.trim().split('\n').at(-1)!.split(',').map((cell) => cell.trim());
  const perSec = Number(cells[9]);
  if (!Number.isFinite(perSec) || Number(cells[4]) < messages) throw new Error(`unexpected ConsumerPerformance output: ${stdout}`);
  return Math.round(perSec);
}

/** Rows per second Postgres took the bench's decision rows at through COPY, two ways, and the better. */
export interface PostgresCopyCeiling {
  perSec: number;
  /** All rows in one COPY, as psql's `\copy` sends a file. */
  oneStreamPerSec: number;
  /** The scorer's batch size, each batch a COPY in a transaction of its own, on one connection per core. */
  batchedPerSec: number;
}

/**
 * Postgres's ceiling for the bench's own decision rows: how fast it COPYs them into copies of the
 * decisions table with the same indexes. One stream keeps one backend, so one core, busy; the scorer
 * writes batches on several connections at once, which lets Postgres parse and index on every core.
 * Both are measured and the better counts, so the ceiling is the database's, not one way of feeding it.
 */
export async function postgresCopyCeiling(pool: pg.Pool, schema: string, batchSize: number): Promise<PostgresCopyCeiling> {
  const file = join(tmpdir(), `loupe-bench-${randomBytes(4).toString('hex')}.copy`);
  const columns = (
    await pool.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns WHERE table_schema = $1 AND table_name = 'decisions' AND is_generated = 'NEVER' ORDER BY ordinal_position`,
      [schema],
    )
  ).rows.map((row) => `"${row.column_name}"`);
  const psql = (command: string) => run('psql', [BENCH_DATABASE_URL, '-v', 'ON_ERROR_STOP=1', '-qc', command]);
  const emptyCopy = async (name: string) => {
    await pool.query(`CREATE TABLE "${schema}".${name} (LIKE "${schema}".decisions INCLUDING ALL)`);
    return `"${schema}".${name}`;
  };
  const perSec = (rows: number, started: number) => Math.round(rows / ((performance.now() - started) / 1000));
  try {
    await psql(`\\copy (SELECT ${columns.join(', ')} FROM "${schema}".decisions) TO '${file}'`);
    // COPY's text format escapes newlines inside fields, so each line is one row.
    const lines = (await readFile(file, 'utf8')).split('\n').slice(0, -1);

    const oneStreamTable = await emptyCopy('decisions_copy');
    let started = performance.now();
    await psql(`\\copy ${oneStreamTable} (${columns.join(', ')}) FROM '${file}'`);
    const oneStreamPerSec = perSec(lines.length, started);

    const batchedTable = await emptyCopy('decisions_copy_batched');
    const batches: string[] = [];
    for (let i = 0; i < lines.length; i += batchSize) batches.push(lines.slice(i, i + batchSize).join('\n') + '\n');
    const connections = await Promise.all(Array.from({ length: Math.min(cpus().length, batches.length) }, () => pool.connect()));
    try {
      started = performance.now();
      let next = 0;
      await Promise.all(
        connections.map(async (db) => {
          for (let batch = batches[next++]; batch !== undefined; batch = batches[next++]) {
            await db.query('BEGIN');
            await copyText(db, batchedTable, columns, batch);
            await db.query('COMMIT');
          }
        }),
      );
    } finally {
      for (const db of connections) db.release();
    }
    const batchedPerSec = perSec(lines.length, started);
    return { perSec: Math.max(oneStreamPerSec, batchedPerSec), oneStreamPerSec, batchedPerSec };
  } finally {
    await rm(file, { force: true });
  }
}

/** Phase seconds added up over scorers, to two decimals. */
export function sumPhases(readings: readonly Record<string, number>[]): Record<string, number> {
  const total: Record<string, number> = {};
  for (const reading of readings) for (const [phase, seconds] of Object.entries(reading)) total[phase] = (total[phase] ?? 0) + seconds;
  return Object.fromEntries(Object.entries(total).map(([phase, seconds]) => [phase, Number(seconds.toFixed(2))]));
}
