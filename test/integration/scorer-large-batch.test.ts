import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { MAX_SEND_BYTES, sliceByBytes } from '../../services/scorer/transport.ts';
import { readAllCommitted } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';

describe('a batch whose decisions outgrow the broker message limit', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline();
    // A tighter limit than the broker's 1 MiB default, as an operator may set: one batch of 3,000
    // decisions (about 1 MB of JSON) is far over it, each slice the scorer sends is under it.
    const admin = fixture.kafka.admin();
    await admin.connect();
    await admin.alterConfigs({
      validateOnly: false,
      resources: [{ type: 2, name: fixture.config.topics.decisions, configEntries: [{ name: 'max.message.bytes', value: String(MAX_SEND_BYTES + 64 * 1024) }] }],
    });
    await admin.disconnect();
  });
  after(() => fixture.teardown());

  it('publishes it in slices within one Kafka transaction: every decision once, the batch not stuck', async () => {
    const { db, config, kafka, producer } = fixture;
    const count = 3000;
    await produceTransactions(producer, config.topics.transactions, Array.from({ length: count }, (_, i) => ordinaryTransaction(i, { accountId: `acct-${i % 2}` })));
    await fixture.scoreAll({ batchSize: 5000 });
    assert.equal(Number((await db.pool.query('SELECT count(*) AS n FROM decisions')).rows[0].n), count);
    const published = await readAllCommitted(kafka, config.topics.decisions);
    assert.equal(published.length, count);
    assert.equal(new Set(published.map((message) => JSON.parse(message.value!.toString()).transactionId)).size, count);
    const batches = (await db.pool.query(`SELECT count(*) AS n FROM audit_log WHERE kind = 'decisions.batch'`)).rows[0].n;
    assert.ok(Number(batches) <= 2, `the 3,000 records were decided in at most one batch per partition (${batches})`);
  });

  it('slices by bytes, keeping order, and never leaves a slice empty', () => {
    const messages = Array.from({ length: 10 }, (_, i) => ({ key: 'k', value: 'x'.repeat(i === 4 ? 500 : 100) }));
    const slices = sliceByBytes(messages, 400);
    assert.deepEqual(slices.flat(), messages);
    assert.ok(slices.every((slice) => slice.length > 0));
    assert.deepEqual(slices.map((slice) => slice.length), [2, 2, 1, 2, 2, 1]);
    assert.deepEqual(sliceByBytes([], 400), []);
  });
});
