import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { type ScorerProcess, startScorerProcess } from '../helpers/scorer-process.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('scorer killed mid-stream', () => {
  let fixture: PipelineFixture;
  const scorers: ScorerProcess[] = [];
  before(async () => {
    fixture = await setUpPipeline();
  });
  after(async () => {
    for (const scorer of scorers) if (scorer.child.exitCode === null) scorer.child.kill('SIGKILL');
    await fixture.teardown();
  });

  // Runs in the default `champion` mode: the first process bootstraps a model, so the replayed
  // batch after the kill carries anomaly scores too.
  it('loses and duplicates nothing when a scorer is killed with SIGKILL and another takes over', async () => {
    const { db, config, kafka, producer } = fixture;
    const decisionCount = async () => (await db.pool.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
    const first = Array.from({ length: 6000 }, (_, i) => ordinaryTransaction(i));
    const second = Array.from({ length: 2000 }, (_, i) => ordinaryTransaction(6000 + i));
    for (let i = 0; i < first.length; i += 1000) await produceTransactions(producer, config.topics.transactions, first.slice(i, i + 1000));

    // Small chunks, so that the kill falls between commits rather than after one chunk per partition
    // that held the whole backlog.
    const victim = await startScorerProcess('scorer-victim', { db, config, env: { LOUPE_SCORER_BATCH_SIZE: '100' } });
    scorers.push(victim);
    const health = (await (await fetch(`http://127.0.0.1:${victim.port}/healthz`)).json()) as { live: boolean };
    assert.equal(health.live, true);
    await waitFor('the first scorer to have decided some transactions', async () => (await decisionCount()) >= 500, 60_000, 10);
    victim.child.kill('SIGKILL');
    assert.equal(await victim.stop(), null, 'killed, not exited');
    const decidedBeforeCrash = await decisionCount();
    assert.ok(decidedBeforeCrash < first.length, `the kill must land mid-stream (had ${decidedBeforeCrash})`);

    await produceTransactions(producer, config.topics.transactions, second);
    const successor = await startScorerProcess('scorer-successor', { db, config });
    scorers.push(successor);
    await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions, 120_000);
    const metrics = await successor.metrics();
    assert.ok((metrics.loupe_scorer_decisions_total ?? 0) > 0, 'the successor decided what the victim left');
    assert.ok(metrics.process_cpu_seconds_total! > 0, 'its CPU time is exported');
    for (const phase of ['read', 'score', 'persist', 'publish']) assert.ok(metrics[`loupe_scorer_batch_phase_seconds_total{phase="${phase}"}`]! > 0, `time spent in ${phase} is exported`);
    assert.equal(await successor.stop(), 0, 'a graceful stop drains, commits and exits 0');

    await assertExactlyOnce(db, kafka, config, first.length + second.length);
    const { rows } = await db.pool.query(`SELECT count(*)::int AS n FROM decisions WHERE model_version IS NULL OR anomaly IS NULL`);
    assert.equal(rows[0].n, 0, 'every decision, replayed ones included, was made with the champion');
  });
});
