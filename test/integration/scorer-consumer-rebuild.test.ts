import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { clockFailingOnce, type PipelineFixture, setUpPipeline, testScorer } from '../helpers/pipeline.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';

describe('a consumer kafkajs gives up on', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline({ LOUPE_MODEL: 'rules-only' });
  });
  after(() => fixture.teardown());

  it('is rebuilt by the scorer, which then decides everything exactly once', async () => {
    const { db, config, kafka, producer } = fixture;
    const transactions = Array.from({ length: 400 }, (_, i) => ordinaryTransaction(i));
    await produceTransactions(producer, config.topics.transactions, transactions);
    // A TypeError is not retriable to kafkajs: thrown from a batch, it makes the consumer crash with
    // restart: false, the same dead end a coordinator lookup meets after a broker SIGKILL.
    const clock = clockFailingOnce(new TypeError('injected failure in the first batch'));
    const scorer = testScorer(config, kafka, db.pool, { nowMs: clock.nowMs });
    const rebuilt: number[] = [];
    scorer.events.on('consumer.rebuilt', ({ attempt }) => rebuilt.push(attempt));
    await scorer.start();
    try {
      await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions);
    } finally {
      await scorer.stop();
    }
    assert.ok(clock.failed());
    assert.deepEqual(rebuilt, [1], 'the consumer was rebuilt once');
    assert.equal(scorer.status().totals.failures, 1);
    await assertExactlyOnce(db, kafka, config, transactions.length);
  });
});
