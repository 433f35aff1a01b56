import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { findDecisions } from '../../services/audit/queries/decisions.ts';
import { deriveFacts, emptyAccountState } from '../../services/features/account-state.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { ConcurrentDecisionError, persistScoredBatch } from '../../services/scorer/decision-store.ts';
import { parseRecords, scoreBatch, type SourceRecord } from '../../services/scorer/score-batch.ts';
import { createRuleEvaluator } from '../../services/rules/evaluate.ts';
import { loadRuleSet } from '../../services/rules/load-rule-set.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { ordinaryTransaction } from '../helpers/transactions.ts';

const policy = { priorFraudRate: 0.01, confidenceThreshold: 0.6, anomalyWeight: 1.5, approveCeiling: 0.25 };
const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 60_000, earliestTimestampMs: 0 };
const meta = { scorerInstance: 'test-scorer', topic: 'transactions', partition: 0, firstOffset: '0', lastOffset: '9' };

async function scoredBatch(count: number) {
  const records: SourceRecord[] = Array.from({ length: count }, (_, i) => ({
    topic: 'transactions',
    partition: 0,
    offset: String(i),
    key: null,
    value: Buffer.from(JSON.stringify(ordinaryTransaction(i, { accountId: 'acct-store' }))),
    timestamp: String(Date.now()),
  }));
  const ruleSet = await loadRuleSet('rules');
  return scoreBatch(parseRecords(records, Date.now(), limits), new Map(), new Map(), {
    policy,
    policyVersion: 'policy-test',
    evaluateRules: createRuleEvaluator(ruleSet),
    rulesVersion: ruleSet.version,
    model: null,
    nowMs: Date.now,
  });
}

describe('decision store on real Postgres', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('writes every decision of a batch, and a second writer of the same batch fails retriably with nothing kept', async () => {
    const batch = await scoredBatch(10);
    await withTransaction(db.pool, (client) => persistScoredBatch(client, batch, meta));
    const count = async (table: string) => (await db.pool.query(`SELECT count(*)::int AS n FROM ${table}`)).rows[0].n as number;
    assert.equal(await count('decisions'), 10);
    const audits = await count('audit_log');

    const retried = await withTransaction(db.pool, (client) => persistScoredBatch(client, batch, meta)).catch((error: unknown) => error);
    assert.ok(retried instanceof ConcurrentDecisionError, `expected a ConcurrentDecisionError, got ${String(retried)}`);
    assert.equal(retried.retriable, true);
    assert.equal(await count('decisions'), 10);
    assert.equal(await count('audit_log'), audits, 'the failed batch left no audit entry');
    const state = await db.pool.query(`SELECT state FROM account_state WHERE account_id = 'acct-store'`);
    assert.equal(state.rows[0].state.txCount, 10, 'account state counted the batch once');
    const { rows } = await db.pool.query('SELECT scorer_instance, source_offset::text AS source_offset FROM decisions ORDER BY source_offset');
    assert.deepEqual(rows.map((row) => row.source_offset), Array.from({ length: 10 }, (_, i) => String(i)));
    assert.ok(rows.every((row) => row.scorer_instance === 'test-scorer'));

    const first = batch.decisions[0]!;
    const stored = await db.pool.query('SELECT facts FROM decisions WHERE transaction_id = $1', [first.decision.transactionId]);
    assert.equal('merchantId' in stored.rows[0].facts, false, 'a row leaves out the facts its transaction states');
    const node = (await findDecisions(db.pool, [first.decision.transactionId])).get(first.decision.transactionId)!;
    assert.deepEqual(node.facts, deriveFacts(emptyAccountState(), first.transaction), 'the audit API reads back every fact the rules saw');
  });
});
