import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { TransactionInput } from '../../services/domain/index.ts';
import { waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { type PrivateBroker, startPrivateBroker } from '../helpers/private-kafka.ts';
import { type ScorerProcess, startScorerProcess } from '../helpers/scorer-process.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Delivery guarantees do not depend on the anomaly model, and a fresh schema has no champion: the
// scorer would first train one, which is start-up time this test does not measure. Small chunks, so
// that decisions land a hundred at a time and each restart falls between commits of a backlog rather
// than after the one chunk that held all of it.
const SCORER_ENV = { LOUPE_MODEL: 'rules-only', LOUPE_SCORER_BATCH_SIZE: '100' };

/**
 * The reliability bar "restart of Kafka mid-stream": the broker goes away under a running scorer,
 * once with a controlled shutdown and once with SIGKILL, and every transaction still gets exactly
 * one decision row and exactly one committed decision record. The broker is this test's own (see
 * test/helpers/private-kafka.ts): restarting the shared one would break the test files running
 * beside this one.
 */
describe('Kafka broker restarted under a running scorer', () => {
  let broker: PrivateBroker | undefined;
  let fixture: PipelineFixture | undefined;
  let scorer: ScorerProcess | undefined;

  before(async () => {
    broker = await startPrivateBroker();
    fixture = await setUpPipeline({ KAFKA_BROKERS: broker.bootstrap });
  });

  after(async () => {
    if (scorer !== undefined && scorer.child.exitCode === null) scorer.child.kill('SIGKILL');
    try {
      await fixture?.teardown();
    } finally {
      await broker?.dispose();
    }
  });

  it('loses and duplicates nothing across a controlled restart and a SIGKILL of the broker', async (t) => {
    const { db, config, kafka, producer } = fixture!;
    const topic = config.topics.transactions;
    const decisionCount = async () => (await db.pool.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
    const transactions = (from: number, count: number) => Array.from({ length: count }, (_, i) => ordinaryTransaction(from + i));
    const produce = async (list: TransactionInput[]) => {
      for (let i = 0; i < list.length; i += 1000) await produceTransactions(producer, topic, list.slice(i, i + 1000));
    };
    const first = transactions(0, 4000);
    const second = transactions(4000, 2000);
    const third = transactions(6000, 1000);
    const total = first.length + second.length + third.length;

    try {
      await produce(first);
      scorer = await startScorerProcess('scorer-kafka-restart', { db, config, env: SCORER_ENV });
      await waitFor('the scorer to have decided some transactions', async () => (await decisionCount()) >= 300, 60_000, 10);

      // 1. Controlled restart: SIGTERM, the broker shuts down cleanly, then comes back.
      let started = Date.now();
      await broker!.stop();
      const decidedAtStop = await decisionCount();
      assert.ok(decidedAtStop < first.length, `the restart must land mid-stream (had ${decidedAtStop} of ${first.length})`);
      await broker!.start();
      t.diagnostic(`controlled restart: broker down and up in ${Date.now() - started} ms, ${decidedAtStop} decided at stop`);
      await produce(second);
      started = Date.now();
      await waitFor('the scorer to decide again after the restart', async () => (await decisionCount()) > decidedAtStop + 200, 60_000, 20);
      t.diagnostic(`scorer deciding again ${Date.now() - started} ms after the broker was back`);

      // 2. SIGKILL: no controlled shutdown; open transactions and group membership are left behind.
      const decidedAtKill = await decisionCount();
      assert.ok(decidedAtKill < first.length + second.length, `the kill must land mid-stream (had ${decidedAtKill})`);
      started = Date.now();
      await broker!.kill();
      await broker!.start();
      t.diagnostic(`SIGKILL restart: broker down and up in ${Date.now() - started} ms, ${decidedAtKill} decided at kill`);
      await produce(third);

      started = Date.now();
      await waitForGroupCaughtUp(kafka, config.scorer.groupId, topic, 90_000);
      t.diagnostic(`caught up ${Date.now() - started} ms after the last produce`);
      const health = (await (await fetch(`http://127.0.0.1:${scorer.port}/healthz`)).json()) as { live: boolean };
      assert.equal(health.live, true, 'the consumer recovered by itself rather than crashing for good');
      t.diagnostic(`scorer counters: ${JSON.stringify(await scorer.metrics())}`);
      assert.equal(await scorer.stop(), 0, 'a graceful stop drains, commits and exits 0');

      await assertExactlyOnce(db, kafka, config, total);
    } catch (error) {
      if (scorer !== undefined) process.stderr.write(`${scorer.instance} output (last 40 lines):\n${scorer.output.slice(-40).join('\n')}\n`);
      throw error;
    }
  });
});
