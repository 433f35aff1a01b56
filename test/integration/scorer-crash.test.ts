import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import type { Config } from '../../services/platform/config.ts';
import { readAllCommitted, waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import type { TestDatabase } from '../helpers/postgres.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  return port;
}

describe('scorer killed mid-stream', () => {
  let fixture: PipelineFixture;
  let db: TestDatabase;
  let config: Config;
  let kafka: Kafka;
  let producer: Producer;
  const children: ChildProcess[] = [];

  /** Runs `loupe score` as its own process, as in production, against this test's topics and schema. */
  async function startScorerProcess(instance: string): Promise<{ child: ChildProcess; port: number }> {
    const port = await freePort();
    const child = spawn('bin/loupe', ['score'], {
      env: {
        ...process.env,
        DATABASE_URL: db.url,
        DATABASE_SCHEMA: db.schema,
        KAFKA_BROKERS: config.kafka.brokers.join(','),
        LOUPE_TOPIC_PREFIX: config.topics.transactions.replace(/transactions$/, ''),
        LOUPE_TOPIC_PARTITIONS: String(config.kafka.partitions),
        LOUPE_SCORER_GROUP: config.scorer.groupId,
        LOUPE_SCORER_INSTANCE: instance,
        LOUPE_SCORER_HTTP_PORT: String(port),
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    children.push(child);
    await waitFor(`${instance} to report ready on /readyz`, async () => {
      const response = await fetch(`http://127.0.0.1:${port}/readyz`);
      return response.status === 200;
    }, 60_000, 100);
    return { child, port };
  }

  const decisionCount = async () => (await db.pool.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;

  before(async () => {
    fixture = await setUpPipeline();
    ({ db, config, kafka, producer } = fixture);
  });

  after(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await fixture.teardown();
  });

  it('loses and duplicates nothing when a scorer is killed with SIGKILL and another takes over', async () => {
    const first = Array.from({ length: 6000 }, (_, i) => ordinaryTransaction(i));
    const second = Array.from({ length: 2000 }, (_, i) => ordinaryTransaction(6000 + i));
    for (let i = 0; i < first.length; i += 1000) await produceTransactions(producer, config.topics.transactions, first.slice(i, i + 1000));

    const victim = await startScorerProcess('scorer-victim');
    const health = (await (await fetch(`http://127.0.0.1:${victim.port}/healthz`)).json()) as { live: boolean };
    assert.equal(health.live, true);
    await waitFor('the first scorer to have decided some transactions', async () => (await decisionCount()) >= 500, 60_000, 10);
    victim.child.kill('SIGKILL');
    await once(victim.child, 'exit');
    const decidedBeforeCrash = await decisionCount();
    assert.ok(decidedBeforeCrash < first.length, `the kill must land mid-stream (had ${decidedBeforeCrash})`);

    await produceTransactions(producer, config.topics.transactions, second);
    const successor = await startScorerProcess('scorer-successor');
    await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions, 120_000);
    const metrics = await (await fetch(`http://127.0.0.1:${successor.port}/metrics`)).text();
    assert.match(metrics, /loupe_scorer_decisions_total \d+/);
    successor.child.kill('SIGTERM');
    const [code] = await once(successor.child, 'exit');
    assert.equal(code, 0, 'a graceful stop drains, commits and exits 0');

    const total = first.length + second.length;
    const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT transaction_id)::int AS distinct_ids FROM decisions');
    assert.deepEqual(rows[0], { n: total, distinct_ids: total });
    const published = await readAllCommitted(kafka, config.topics.decisions, 120_000);
    assert.equal(published.length, total, 'exactly one committed decision record per transaction');
    assert.equal(new Set(published.map((m) => JSON.parse(m.value!.toString()).transactionId)).size, total);
    // Velocity state must have counted every transaction exactly once, even for the replayed batch.
    const { rows: state } = await db.pool.query(`SELECT sum((state->>'txCount')::int)::int AS counted FROM account_state`);
    assert.equal(state[0].counted, total);
  });
});
