import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { type ScorerProcess, startScorerProcess } from '../helpers/scorer-process.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

// Delivery guarantees do not depend on the anomaly model, and a fresh schema has no champion: the
// scorer would first train one, which is start-up time this test does not measure. Small chunks, so
// that the outage falls between commits of the backlog rather than after one chunk that held it all.
const SCORER_ENV = { LOUPE_MODEL: 'rules-only', LOUPE_SCORER_BATCH_SIZE: '100' };

/**
 * The reliability bar "restart of Postgres mid-stream", without restarting the Postgres that other
 * test files share: the scorer's own connections (found by their application_name, which the
 * scorer sets to its instance id) are terminated again and again, as a restart does to them, and
 * then its tables are locked for a while, as a stalled database would. Every transaction must still
 * get exactly one decision row and one committed decision record, with no one's help.
 */
describe('Postgres lost and stalled under a running scorer', () => {
  let fixture: PipelineFixture | undefined;
  let scorer: ScorerProcess | undefined;
  const instance = `scorer-pg-outage-${randomBytes(4).toString('hex')}`;

  before(async () => {
    fixture = await setUpPipeline();
  });

  after(async () => {
    if (scorer !== undefined && scorer.child.exitCode === null) scorer.child.kill('SIGKILL');
    await fixture?.teardown();
  });

  it('loses and duplicates nothing when its connections are killed and its tables locked mid-stream', async (t) => {
    const { db, config, kafka, producer } = fixture!;
    const topic = config.topics.transactions;
    const decisionCount = async () => (await db.pool.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
    const transactions = (from: number, count: number) => Array.from({ length: count }, (_, i) => ordinaryTransaction(from + i));
    const first = transactions(0, 4000);
    const second = transactions(4000, 1000);
    const total = first.length + second.length;

    try {
      for (let i = 0; i < first.length; i += 1000) await produceTransactions(producer, topic, first.slice(i, i + 1000));
      scorer = await startScorerProcess(instance, { db, config, env: SCORER_ENV });
      await waitFor('the scorer to have decided some transactions', async () => (await decisionCount()) >= 300, 60_000, 10);

      // 1. Connections lost: what a Postgres restart does to a client, aimed at this scorer alone.
      //    Every 100 ms for 3 s, so reconnects and retried batches are cut off too.
      const decidedAtCut = await decisionCount();
      assert.ok(decidedAtCut < first.length, `the outage must land mid-stream (had ${decidedAtCut} of ${first.length})`);
      let terminated = 0;
      for (const until = Date.now() + 3_000; Date.now() < until; await sleep(100)) {
        const { rows } = await db.pool.query<{ pid: number }>(
          `SELECT pg_terminate_backend(pid) AS done, pid FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = $1 AND pid <> pg_backend_pid()`,
          [instance],
        );
        terminated += rows.length;
      }
      assert.ok(terminated > 0, 'the scorer had connections to cut');
      const failures = await waitFor('the scorer to count its failed batches', async () => {
        const { loupe_scorer_batch_failures_total: n } = await scorer!.metrics();
        return n !== undefined && n > 0 && n;
      }, 10_000);
      const decidedAfterCut = await decisionCount();
      await waitFor('the scorer to decide again once Postgres answers', async () => (await decisionCount()) > decidedAfterCut, 60_000, 20);
      t.diagnostic(`${terminated} connections terminated, ${failures} batches failed, ${decidedAfterCut} decided after the cut`);

      // 2. Postgres stalls: the decisions table is locked, so the scorer's reads and writes wait. New
      //    input arrives meanwhile; nothing may be decided until the lock goes, and nothing lost after.
      await produceTransactions(producer, topic, second);
      const locker = await db.pool.connect();
      try {
        await locker.query('BEGIN');
        await locker.query('LOCK TABLE decisions IN ACCESS EXCLUSIVE MODE');
        // Other sessions cannot even read the table now; count through the session holding the lock.
        const decidedAtLock = (await locker.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
        assert.ok(decidedAtLock < total, `the stall must land mid-stream (had ${decidedAtLock} of ${total})`);
        await waitFor('the scorer to be waiting on the locked table', async () => {
          const { rows } = await locker.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND application_name = $1 AND wait_event_type = 'Lock'`,
            [instance],
          );
          return rows.length > 0;
        }, 30_000);
        await sleep(3_000); // the stall itself
        const decidedDuringLock = (await locker.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
        assert.equal(decidedDuringLock, decidedAtLock, 'nothing is decided while Postgres cannot take it');
        t.diagnostic(`table locked for 3 s with ${decidedAtLock} decided; the scorer waited on it`);
      } finally {
        await locker.query('ROLLBACK');
        locker.release();
      }

      const started = Date.now();
      await waitForGroupCaughtUp(kafka, config.scorer.groupId, topic, 60_000);
      t.diagnostic(`caught up ${Date.now() - started} ms after the lock was released`);
      const health = (await (await fetch(`http://127.0.0.1:${scorer.port}/healthz`)).json()) as { live: boolean };
      assert.equal(health.live, true);
      const metrics = await scorer.metrics();
      t.diagnostic(`scorer counters: ${JSON.stringify(metrics)}`);
      assert.ok(metrics.loupe_scorer_batch_failures_total! > 0, 'batches failed and were retried by the scorer itself');
      assert.equal(await scorer.stop(), 0, 'a graceful stop drains, commits and exits 0');

      await assertExactlyOnce(db, kafka, config, total);
    } catch (error) {
      if (scorer !== undefined) process.stderr.write(`${instance} output (last 40 lines):\n${scorer.output.slice(-40).join('\n')}\n`);
      throw error;
    }
  });
});
