import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { LabelSchema } from '../../services/domain/index.ts';
import { readAllCommitted } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { createUsers, ReviewClient, type ReviewServer, seedReviewItem, startReviewServer } from '../helpers/review.ts';

const PASSWORD = 'correct horse battery staple';

describe('review labels on the real broker', () => {
  let fixture: PipelineFixture;
  let server: ReviewServer;

  before(async () => {
    fixture = await setUpPipeline();
    await createUsers(fixture.db.pool, [{ username: 'ana', role: 'analyst' }], PASSWORD);
    server = await startReviewServer({ pool: fixture.db.pool, producer: fixture.producer, labelsTopic: fixture.config.topics.labels });
  });
  after(async () => {
    await server.close();
    await fixture.teardown();
  });

  it('publishes a recorded label on the labels topic, keyed by transaction id', async () => {
    const id = await seedReviewItem(fixture.db.pool, { transactionId: 'tx-topic-1', accountId: 'acct-topic' });
    const ana = new ReviewClient(server.url, 'ana');
    assert.equal((await ana.signIn(PASSWORD)).status, 201);
    assert.equal((await ana.request('POST', '/api/queue/claim')).body.item.id, id);
    const res = await ana.request('POST', `/api/items/${id}/label`, { body: { label: 'legit', reasonCode: 'KNOWN_CUSTOMER' } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    assert.deepEqual(Object.keys(res.body), ['label'], 'the answer does not wait for the broker');
    await server.publishingIdle();
    assert.equal((await fixture.db.pool.query('SELECT 1 FROM label_outbox')).rowCount, 0, 'the background send emptied the outbox');

    const messages = await readAllCommitted(fixture.kafka, fixture.config.topics.labels);
    assert.equal(messages.length, 1);
    assert.equal(messages[0]!.key?.toString(), 'tx-topic-1');
    const label = LabelSchema.parse(JSON.parse(messages[0]!.value!.toString()));
    assert.deepEqual(
      { transactionId: label.transactionId, label: label.label, analyst: label.analyst, reasonCode: label.reasonCode, source: label.source },
      { transactionId: 'tx-topic-1', label: 'legit', analyst: 'ana', reasonCode: 'KNOWN_CUSTOMER', source: 'review' },
    );
  });
});
