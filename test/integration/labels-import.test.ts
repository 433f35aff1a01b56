import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { createLabelTrainer } from '../../services/trainer/label-trainer.ts';
import { testLogger } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { waitFor } from '../helpers/wait-for.ts';

const LOUPE = fileURLToPath(new URL('../../bin/loupe', import.meta.url));
const HANDBOOK_HEAD = fileURLToPath(new URL('../fixtures/handbook-head.csv', import.meta.url));
const run = promisify(execFile);

describe('delayed labels: loupe labels import and the chargebacks topic', () => {
  let fixture: PipelineFixture;
  let env: NodeJS.ProcessEnv;
  const loupe = (...args: string[]) => run(LOUPE, args, { env });
  const chargebacks = async () =>
    (
      await fixture.db.pool.query<{ transaction_id: string; label: string; labeled_at: Date; analyst: string }>(
        `SELECT transaction_id, label, labeled_at, analyst FROM labels WHERE source = 'chargeback' ORDER BY transaction_id::int, labeled_at`,
      )
    ).rows;

  before(async () => {
    fixture = await setUpPipeline();
    env = { ...process.env, DATABASE_URL: fixture.db.url, DATABASE_SCHEMA: fixture.db.schema, LOG_LEVEL: 'warn' };
  });
  after(() => fixture.teardown());

  it('imports frauds from a CSV as chargeback labels known after the delay, once however often it runs', async () => {
    const first = await loupe('labels', 'import', HANDBOOK_HEAD, '--mapping', 'handbook', '--delay-days', '7', '--frauds-only');
    assert.match(first.stdout, /^3 labels recorded from 18 rows \(0 already known\)/m);
    const rows = await chargebacks();
    assert.equal(rows.length, 3);
    assert.ok(rows.every((row) => row.label === 'fraud' && row.analyst === 'import:handbook-head.csv'));
    // Transaction 3 happened at 2018-04-01 00:07:56 (the fixture); its label is known a week later.
    const { rows: [tx] } = await fixture.db.pool.query<{ labeled_at: Date }>(`SELECT labeled_at FROM labels WHERE transaction_id = $1`, [rows[0]!.transaction_id]);
    assert.ok(tx!.labeled_at.getTime() - Date.parse('2018-04-01T00:00:00Z') >= 7 * 86_400_000, 'never known before the delay');
    const outbox = await fixture.db.pool.query('SELECT 1 FROM label_outbox');
    assert.equal(outbox.rowCount, 3, 'waiting for the labels topic');
    const audit = await fixture.db.pool.query(`SELECT 1 FROM audit_log WHERE kind = 'label.recorded' AND actor = 'import:handbook-head.csv'`);
    assert.equal(audit.rowCount, 3);

    const again = await loupe('labels', 'import', HANDBOOK_HEAD, '--mapping', 'handbook', '--delay-days', '7', '--frauds-only');
    assert.match(again.stdout, /^0 labels recorded from 18 rows \(3 already known\)/m);
    const everything = await loupe('labels', 'import', HANDBOOK_HEAD, '--mapping', 'handbook', '--delay-days', '7');
    assert.match(everything.stdout, /^15 labels recorded from 18 rows \(3 already known\)/m, 'the legitimate rows too, without the frauds again');
  });

  it('refuses a mapping that does not fit the file, naming the columns it has', async () => {
    await assert.rejects(loupe('labels', 'import', HANDBOOK_HEAD, '--label', 'IS_FRAUD', '--time', 'TX_DATETIME'), (error: { code: number; stderr: string }) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /IS_FRAUD/);
      assert.match(error.stderr, /TX_FRAUD/);
      return true;
    });
  });

  it('records chargebacks from the topic once each and skips malformed ones', async () => {
    const { db, config, kafka, producer } = fixture;
    const trainer = createLabelTrainer({ config: { ...config, trainer: { ...config.trainer, debounceMs: 60_000 } }, kafka, pool: db.pool, producer, logger: testLogger, actor: 'trainer-test', backend: 'test' });
    await trainer.start();
    try {
      const message = { transactionId: 'cb-1', reportedAt: '2026-01-10T00:00:00Z', reasonCode: '10.4' };
      await producer.send({
        topic: config.topics.chargebacks,
        messages: [
          { key: 'cb-1', value: JSON.stringify(message) },
          { key: 'bad', value: '{"transactionId": 12}' },
          { key: 'cb-1', value: JSON.stringify(message) }, // redelivered
          { key: 'cb-2', value: JSON.stringify({ transactionId: 'cb-2', label: 'legit', reportedAt: '2026-01-11T00:00:00Z' }) },
        ],
      });
      const recorded = async () =>
        (await db.pool.query<{ transaction_id: string; label: string; reason_code: string | null }>(
          `SELECT transaction_id, label, reason_code FROM labels WHERE source = 'chargeback' AND transaction_id LIKE 'cb-%' ORDER BY transaction_id`,
        )).rows;
      await waitFor('both chargebacks recorded', async () => (await recorded()).length >= 2, 60_000, 50);
      assert.deepEqual(await recorded(), [
        { transaction_id: 'cb-1', label: 'fraud', reason_code: '10.4' },
        { transaction_id: 'cb-2', label: 'legit', reason_code: null },
      ]);
    } finally {
      await trainer.stop();
    }
  });
});
