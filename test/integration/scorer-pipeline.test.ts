import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import { DeadLetterSchema, DecisionSchema } from '../../services/domain/index.ts';
import type { Config } from '../../services/platform/config.ts';
import { readAllCommitted } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import type { TestDatabase } from '../helpers/postgres.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';

describe('scorer pipeline on real Kafka and Postgres', () => {
  let fixture: PipelineFixture;
  let db: TestDatabase;
  let config: Config;
  let kafka: Kafka;
  let producer: Producer;

  before(async () => {
    fixture = await setUpPipeline({ LOUPE_MAX_MESSAGE_BYTES: '8192' });
    ({ db, config, kafka, producer } = fixture);
  });
  after(() => fixture.teardown());

  it('decides every valid transaction exactly once and dead-letters every invalid one with its reason', async () => {
    const valid = Array.from({ length: 300 }, (_, i) => ordinaryTransaction(i));
    // Every kind of bad input the contract names, each expected to land on the DLQ with this reason.
    const base = ordinaryTransaction(9999);
    const invalid: Array<{ value: string; reason: string; path?: string }> = [
      { value: '{"id": "tx-broken", ', reason: 'invalid_json' },
      { value: 'not json at all', reason: 'invalid_json' },
      { value: JSON.stringify({ ...base, amount: { cents: 5 } }), reason: 'invalid_transaction', path: 'amount' },
      { value: JSON.stringify({ ...base, merchantId: undefined }), reason: 'invalid_transaction', path: 'merchantId' },
      { value: JSON.stringify({ ...base, currency: 'XXY' }), reason: 'invalid_transaction', path: 'currency' },
      { value: JSON.stringify({ ...base, amount: '-10.00' }), reason: 'invalid_transaction', path: 'amount' },
      { value: JSON.stringify({ ...base, timestamp: '2999-01-01T00:00:00Z' }), reason: 'timestamp_out_of_range', path: 'timestamp' },
      { value: JSON.stringify({ ...base, attributes: { note: 'x'.repeat(10_000) } }), reason: 'oversized' },
      { value: '\u0000\u00ff binary', reason: 'invalid_json' },
    ];
    // The same transaction ids sent again (producer retries): one decision each, not two.
    const repeats = [valid[3]!, valid[150]!, { ...valid[299]!, amount: '99999.00' }];

    await produceTransactions(producer, config.topics.transactions, valid.slice(0, 150));
    await producer.send({
      topic: config.topics.transactions,
      messages: invalid.map(({ value }, i) => ({ key: `bad-${i}`, value })),
    });
    await produceTransactions(producer, config.topics.transactions, [...valid.slice(150), ...repeats]);

    await fixture.scoreAll({ batchSize: 64 });

    const { rows: stored } = await db.pool.query<{ transaction_id: string; action: string }>('SELECT transaction_id, action FROM decisions');
    assert.equal(stored.length, valid.length);
    assert.deepEqual(new Set(stored.map((row) => row.transaction_id)), new Set(valid.map((tx) => tx.id)));

    const published = (await readAllCommitted(kafka, config.topics.decisions)).map((message) => DecisionSchema.parse(JSON.parse(message.value!.toString())));
    assert.equal(published.length, valid.length, 'exactly one published decision per valid transaction');
    assert.equal(new Set(published.map((d) => d.transactionId)).size, valid.length);
    const repeated = published.find((d) => d.transactionId === valid[299]!.id)!;
    assert.equal(repeated.ruleHits.some((hit) => hit.rule === 'amount-needs-review'), false, 'the first send counts, not the repeat');

    const { rows: duplicates } = await db.pool.query('SELECT transaction_id FROM duplicate_transactions ORDER BY transaction_id');
    assert.deepEqual(duplicates.map((row) => row.transaction_id).sort(), repeats.map((tx) => tx.id).sort());

    const letters = (await readAllCommitted(kafka, config.topics['transactions.dlq'])).map((message) => DeadLetterSchema.parse(JSON.parse(message.value!.toString())));
    assert.equal(letters.length, invalid.length);
    for (const expected of invalid) {
      const letter = letters.find((l) => Buffer.from(l.originalBase64, 'base64').toString('utf8') === expected.value);
      assert.ok(letter, `dead letter for ${expected.value.slice(0, 40)}`);
      assert.equal(letter.reason, expected.reason);
      assert.equal(letter.source.topic, config.topics.transactions);
      assert.ok(Number(letter.source.offset) >= 0 && letter.source.partition >= 0);
      if (expected.path) assert.ok(letter.issues.some((issue) => issue.path === expected.path), `${expected.reason} names ${expected.path}`);
    }

    const reviews = await db.pool.query(`SELECT count(*)::int AS n FROM review_items`);
    assert.equal(reviews.rows[0].n, stored.filter((row) => row.action === 'review').length);
    const audited = await db.pool.query(`SELECT payload FROM audit_log WHERE kind = 'decisions.batch'`);
    const auditedIds = audited.rows.flatMap((row) => row.payload.transactionIds as string[]);
    assert.equal(auditedIds.length, valid.length, 'every decision appears in exactly one audited batch');
  });

  it('keeps account state across batches: velocity counts see earlier transactions once', async () => {
    const burst = Array.from({ length: 8 }, (_, i) =>
      ordinaryTransaction(50_000 + i, {
        id: `burst-${i}`,
        accountId: 'acct-burst',
        amount: '1.00',
        channel: 'ecommerce',
        timestamp: new Date(Date.now() - 120_000 + i * 5_000).toISOString(),
      }),
    );
    for (const tx of burst) await produceTransactions(producer, config.topics.transactions, [tx]);
    await fixture.scoreAll({ batchSize: 3 });
    const { rows } = await db.pool.query<{ transaction_id: string; facts: { smallAmountCount10m: number }; rule_hits: Array<{ rule: string }> }>(
      `SELECT transaction_id, facts, rule_hits FROM decisions WHERE account_id = 'acct-burst' ORDER BY event_time`,
    );
    assert.deepEqual(rows.map((row) => row.facts.smallAmountCount10m), [1, 2, 3, 4, 5, 6, 7, 8]);
    assert.deepEqual(
      rows.map((row) => row.rule_hits.some((hit) => hit.rule === 'card-testing-burst')),
      [false, false, false, false, true, true, true, true],
    );
    const state = await db.pool.query(`SELECT state FROM account_state WHERE account_id = 'acct-burst'`);
    assert.equal(state.rows[0].state.txCount, 8);
  });

  it('stores text with tabs, newlines, backslashes, quotes and non-ASCII exactly as it arrived', async () => {
    // Decisions are written with COPY's text format, where these characters are its own delimiters.
    const attributes = { note: 'tab\there\nnew line\r\\N back\\slash "quoted" café 😀', empty: '', nested: { list: ['\t', null, 1.5] } };
    const tricky = ordinaryTransaction(60_000, { id: 'tx\\N\\t-escaped', accountId: 'acct\\back', merchantId: 'merch\\1', attributes });
    await produceTransactions(producer, config.topics.transactions, [tricky]);
    await fixture.scoreAll({ batchSize: 8 });
    const { rows } = await db.pool.query<{ transaction_id: string; account_id: string; transaction: { attributes: unknown; merchantId: string } }>(
      'SELECT transaction_id, account_id, transaction FROM decisions WHERE transaction_id = $1',
      [tricky.id],
    );
    assert.equal(rows.length, 1);
    assert.equal(rows[0]!.account_id, tricky.accountId);
    assert.equal(rows[0]!.transaction.merchantId, tricky.merchantId);
    assert.deepEqual(rows[0]!.transaction.attributes, attributes);
  });
});

describe('a scorer that keeps a single account in memory per partition', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline({ LOUPE_SCORER_CACHED_ACCOUNTS: '2', LOUPE_TOPIC_PARTITIONS: '2' });
  });
  after(() => fixture.teardown());

  it('reads evicted accounts back from Postgres: velocity still sees every earlier transaction once', async () => {
    const { db, config, producer } = fixture;
    // Three accounts taking turns, in batches of two: each batch evicts an account the next one needs.
    const transactions = Array.from({ length: 18 }, (_, i) =>
      ordinaryTransaction(60_000 + i, { id: `turn-${i}`, accountId: `acct-turn-${i % 3}`, amount: '1.00', timestamp: new Date(Date.now() - 300_000 + i * 5_000).toISOString() }),
    );
    for (const tx of transactions) await produceTransactions(producer, config.topics.transactions, [tx]);
    await fixture.scoreAll({ batchSize: 2 });
    const { rows } = await db.pool.query<{ account_id: string; counts: number[] }>(
      `SELECT account_id, array_agg((facts->>'smallAmountCount10m')::int ORDER BY event_time) AS counts FROM decisions GROUP BY account_id ORDER BY account_id`,
    );
    assert.deepEqual(rows, [0, 1, 2].map((i) => ({ account_id: `acct-turn-${i}`, counts: [1, 2, 3, 4, 5, 6] })));
  });
});

