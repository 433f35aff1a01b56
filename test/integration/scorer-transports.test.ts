import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { KAFKA_CLIENTS } from '../../services/platform/config.ts';
import type { Scorer } from '../../services/scorer/scorer.ts';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { readAllCommitted, waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { clockFailingOnce, type PipelineFixture, setUpPipeline, testScorer } from '../helpers/pipeline.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

// The scorer's guarantees hold on each Kafka client it can run on (the whole suite can also run on
// either: LOUPE_SCORER_KAFKA_CLIENT=platformatic npm test).
for (const client of KAFKA_CLIENTS) {
  describe(`the scorer on ${client}`, () => {
    let fixture: PipelineFixture;
    before(async () => {
      // Three partitions: on two, the Java partitioner and a murmur2 without the sign bit cleared agree.
      fixture = await setUpPipeline({ LOUPE_SCORER_KAFKA_CLIENT: client, LOUPE_MODEL: 'rules-only', LOUPE_TOPIC_PARTITIONS: '3' });
    });
    after(() => fixture.teardown());

    it('decides exactly once through a failed batch and a second scorer joining mid-stream, keying decisions as the Java client does', async () => {
      const { db, config, kafka, producer } = fixture;
      const transactions = Array.from({ length: 1200 }, (_, i) => ordinaryTransaction(i, { accountId: `acct-${i % 37}` }));
      await produceTransactions(producer, config.topics.transactions, transactions);
      const clock = clockFailingOnce(new Error('injected failure in the first batch'));
      const first = testScorer(config, kafka, db.pool, { nowMs: clock.nowMs, batchSize: 40 });
      const second = testScorer({ ...config, scorer: { ...config.scorer, instanceId: `${config.scorer.instanceId}-b` } }, kafka, db.pool, { batchSize: 40 });
      const scorers: Scorer[] = [first];
      try {
        await first.start();
        assert.equal(first.status().kafkaClient, client);
        await waitFor('the first scorer to decide a few batches', () => first.status().totals.decisions >= 200, 60_000);
        scorers.push(second);
        await second.start();
        await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions, 120_000);
      } finally {
        for (const scorer of scorers) await scorer.stop();
      }
      assert.ok(clock.failed());
      assert.equal(first.status().totals.failures, 1, 'the injected failure was retried');
      await assertExactlyOnce(db, kafka, config, transactions.length);
      // Keyed by account with the Java client's partitioner, a decision lands on the partition its
      // transaction came from (both topics have the same partition count).
      const inputPartition = new Map((await readAllCommitted(kafka, config.topics.transactions)).map((m) => [JSON.parse(m.value!.toString()).id as string, m.partition]));
      const decisions = await readAllCommitted(kafka, config.topics.decisions);
      const misplaced = decisions.filter((m) => inputPartition.get(JSON.parse(m.value!.toString()).transactionId) !== m.partition);
      assert.equal(misplaced.length, 0);
      assert.deepEqual(new Set(decisions.map((m) => m.partition)), new Set([0, 1, 2]));
    });
  });
}
