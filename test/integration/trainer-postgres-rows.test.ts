import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import type { Transaction } from '../../services/domain/index.ts';
import type { CompiledFeatureSpec } from '../../services/features/feature-spec.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { createRowEncoder } from '../../services/features/row-encoder.ts';
import { findChampion } from '../../services/registry/model-store.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { loadPostgresTrainingRows } from '../../services/trainer/postgres-training-rows.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const LOUPE = fileURLToPath(new URL('../../bin/loupe', import.meta.url));
const run = promisify(execFile);
const DAY = 86_400_000;
const START = Date.UTC(2026, 2, 1);

/** Decisions as the scorer stores them; only the columns the trainer reads carry meaning. */
async function storeDecisions(db: TestDatabase, transactions: unknown[]): Promise<void> {
  for (let i = 0; i < transactions.length; i += 500) {
    const chunk = transactions.slice(i, i + 500);
    await db.pool.query(
      `INSERT INTO decisions (transaction_id, account_id, action, probability, confidence, decided_by, rule_hits, evidence,
                              transaction, facts, rules_version, policy_version, event_time, decided_at, latency_ms,
                              source_topic, source_partition, source_offset, scorer_instance)
       SELECT t->>'id', t->>'accountId', 'approve', 0.01, 0.9, 'threshold', '[]', '[]', t, '{}', 'rules-test', 'policy-test',
              (t->>'timestamp')::timestamptz, now(), 1, 'transactions', 0, $2::bigint + ordinality, 'test'
         FROM jsonb_array_elements($1::jsonb) WITH ORDINALITY AS x(t, ordinality)`,
      [JSON.stringify(chunk), i],
    );
  }
}

describe('training from the transactions stored in Postgres', () => {
  let db: TestDatabase;
  let spec: CompiledFeatureSpec;
  const transactions: Transaction[] = [];
  let fraudInWindow = '';
  before(async () => {
    db = await createTestDatabase();
    spec = await loadFeatureSpec('card-default');
    const accounts = 300;
    const simulator = createSimulator({ seed: 21, accounts, merchants: 100, startMs: START, ratePerSecond: (accounts * 4) / 86_400, fraudRate: 0.005 });
    // About 3.3 days of traffic.
    for (let i = 0; i < 4000; i++) transactions.push(simulator.next().transaction);
    // Stored in reverse: the reader must order by event time, not by insertion.
    await storeDecisions(db, [...transactions].reverse());
    // One transaction that no longer passes the schema (skipped and reported, not fatal).
    await storeDecisions(db, [{ ...transactions[10]!, id: 'broken-1', currency: 'XXQ' }]);
    // Labels: a correction to legit (the latest label counts), a fraud, and a fraud outside the window.
    const inWindow = transactions.filter((tx) => Date.parse(tx.timestamp) >= START + DAY && Date.parse(tx.timestamp) < START + 2 * DAY);
    const labels = [
      [inWindow[5]!.id, 'fraud'],
      [inWindow[5]!.id, 'legit'],
      [inWindow[7]!.id, 'fraud'],
      [transactions[0]!.id, 'fraud'],
    ];
    fraudInWindow = inWindow[7]!.id;
    for (const [id, label] of labels) {
      await db.pool.query(`INSERT INTO labels (transaction_id, label, source, analyst, labeled_at) VALUES ($1, $2, 'review', 'ana', now())`, [id, label]);
    }
  });
  after(() => db.drop());

  it('re-encodes the window in event-time order from a fresh state, leaving out the latest-labelled fraud', async () => {
    const since = START + DAY;
    const until = START + 2 * DAY;
    const progress: number[] = [];
    const loaded = await loadPostgresTrainingRows(db.pool, { spec, sinceMs: since, untilMs: until, excludeFraud: true, pageSize: 300, onProgress: (p) => progress.push(p.fraction) });

    const window = transactions
      .filter((tx) => Date.parse(tx.timestamp) >= since && Date.parse(tx.timestamp) < until)
      .sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const expected = createRowEncoder(spec);
    const d = spec.names.length;
    const expectedRows: Float32Array[] = [];
    for (const tx of window) {
      const index = expected.push(tx);
      // inWindow[7] is the only transaction here whose latest label is fraud.
      if (tx.id !== fraudInWindow) expectedRows.push(expected.rows().slice(index * d, (index + 1) * d));
    }

    assert.ok(window.length > 500, `window has ${window.length} transactions`);
    // broken-1 carries the time of transactions[10], on the first day: outside this window.
    assert.equal(loaded.total, window.length);
    assert.equal(loaded.excludedFraud, 1, 'only the transaction whose latest label is fraud is left out');
    assert.equal(loaded.n, window.length - 1);
    assert.equal(loaded.encoded, window.length, 'the excluded fraud still shapes its account history');
    assert.equal(loaded.d, spec.names.length);
    assert.equal(loaded.firstMs, Date.parse(window[0]!.timestamp));
    for (let i = 0; i < loaded.n; i++) {
      assert.deepEqual(loaded.rows.subarray(i * loaded.d, (i + 1) * loaded.d), expectedRows[i], `row ${i}`);
    }
    assert.ok(progress.length >= 2 && progress[progress.length - 1] === 1);

    const withFraud = await loadPostgresTrainingRows(db.pool, { spec, sinceMs: since, untilMs: until, excludeFraud: false });
    assert.equal(withFraud.n, window.length);
    assert.equal(withFraud.fraudRows, 1);
  });

  it('skips stored transactions that no longer validate, naming them', async () => {
    const loaded = await loadPostgresTrainingRows(db.pool, { spec, sinceMs: START, untilMs: START + 10 * DAY, excludeFraud: false });
    assert.equal(loaded.invalid, 1);
    assert.match(loaded.invalidExamples[0]!, /^broken-1: currency/);
    assert.equal(loaded.n, transactions.length);
  });

  it('loupe train --from-postgres stores a candidate, and an empty window fails clearly', async () => {
    const env = { ...process.env, DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, LOG_LEVEL: 'warn' };
    const since = new Date(START + DAY).toISOString();
    const until = new Date(START + 3 * DAY).toISOString();
    const { stdout } = await run(LOUPE, ['train', '--from-postgres', '--since', since, '--until', until, '--exclude-fraud', '--spec', 'card-default', '--epochs', '2'], { env });
    const id = /^(ae-card-default-\S+)\s+candidate\s/m.exec(stdout)?.[1];
    assert.ok(id, `no model id in:\n${stdout}`);
    assert.match(stdout, /^\s+2\s+[\d.]+\s+[\d.]+/m, 'the loss curve is printed');
    assert.equal(await findChampion(db.pool), null, 'without --promote the version is a candidate');
    const { rows } = await db.pool.query(`SELECT status, training, training_from, training_to FROM model_versions WHERE id = $1`, [id]);
    assert.equal(rows[0].status, 'candidate');
    assert.deepEqual(rows[0].training.source.kind, 'postgres');
    assert.equal(rows[0].training.source.excludeFraud, true);
    assert.equal(rows[0].training_from.toISOString(), since);
    assert.equal(rows[0].training_to.toISOString(), until);
    const audit = await db.pool.query(`SELECT kind FROM audit_log WHERE subject = $1`, [id]);
    assert.deepEqual(audit.rows, [{ kind: 'model.trained' }]);

    await assert.rejects(run(LOUPE, ['train', '--from-postgres', '--since', '2020-01-01', '--until', '2020-01-08', '--spec', 'card-default'], { env }), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /no stored transactions with event time in \[2020-01-01T00:00:00.000Z, 2020-01-08T00:00:00.000Z\); stored ones span 2026-03-01/);
      return true;
    });
  });
});
