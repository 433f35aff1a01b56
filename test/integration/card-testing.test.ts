import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createSimulator } from '../../services/simulator/index.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { produceTransactions } from '../helpers/transactions.ts';

describe('simulated card testing through the real pipeline', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline();
  });
  after(() => fixture.teardown());

  it('catches a card-testing burst with the velocity rule and leaves normal traffic alone', async () => {
    const { config, producer, db } = fixture;
    const accounts = 300;
    const ratePerSecond = (accounts * 4) / 86_400;
    const simulator = createSimulator({
      seed: 42,
      accounts,
      merchants: 80,
      startMs: Date.now() - 6 * 3_600_000,
      ratePerSecond,
      fraudRate: 0,
    });
    const warmUp = simulator.take(600);
    const burst = simulator.inject('card_testing', 7);
    const rest = simulator.take(400);
    const stream = [...warmUp, ...rest];
    const burstIds = new Set(burst.map(({ transaction }) => transaction.id));
    assert.ok(stream.filter(({ transaction }) => burstIds.has(transaction.id)).length === burst.length, 'next() interleaves the injected burst');
    await produceTransactions(producer, config.topics.transactions, stream.map(({ transaction }) => transaction));

    await fixture.scoreAll();

    const { rows } = await db.pool.query<{ transaction_id: string; action: string; rule_hits: Array<{ rule: string }>; event_time: Date }>(
      'SELECT transaction_id, action, rule_hits, event_time FROM decisions ORDER BY event_time, transaction_id',
    );
    assert.equal(rows.length, stream.length);
    const tiny = burst.filter(({ transaction }) => transaction.amount <= 5).map(({ transaction }) => transaction.id);
    const burstRows = rows.filter((row) => tiny.includes(row.transaction_id));
    const caught = burstRows.filter((row) => row.rule_hits.some((hit) => hit.rule === 'card-testing-burst'));
    // The rule needs five tiny payments in ten minutes, so the fifth and every later one are caught.
    assert.equal(caught.length, tiny.length - 4, `caught ${caught.length} of ${tiny.length} tiny burst payments`);
    for (const row of caught) assert.notEqual(row.action, 'approve', `${row.transaction_id} must not be approved automatically`);

    const normal = rows.filter((row) => !burstIds.has(row.transaction_id));
    const falseHits = normal.filter((row) => row.rule_hits.some((hit) => hit.rule === 'card-testing-burst'));
    assert.equal(falseHits.length, 0, 'normal traffic never looks like card testing');
    const reviewedNormal = normal.filter((row) => row.action !== 'approve').length;
    assert.ok(reviewedNormal / normal.length < 0.02, `${reviewedNormal} of ${normal.length} normal transactions were not approved`);
  });
});
