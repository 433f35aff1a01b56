import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import pg from 'pg';
import { createSimulator } from '../../services/simulator/index.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

const LOUPE = fileURLToPath(new URL('../../bin/loupe', import.meta.url));
const run = promisify(execFile);
const DAY = 86_400_000;
const START = Date.parse('2025-03-01T00:00:00Z');

/** A small labelled CSV in a layout of its own: 14 days of simulated traffic with fraud episodes. */
function simulatedCsv(): string {
  const simulator = createSimulator({ seed: 4, accounts: 120, merchants: 40, startMs: START, ratePerSecond: 240 / 86_400, fraudRate: 0.02 });
  const rows = simulator.take(14 * 240).filter(({ transaction }) => Date.parse(transaction.timestamp) < START + 14 * DAY);
  const lines = rows.map(({ transaction: t, truth }) => [t.id, t.timestamp, t.accountId, t.merchantId, t.amount, truth.fraud ? 1 : 0].join(','));
  return ['txn,when,card,shop,value,is_fraud', ...lines].join('\n');
}

describe('loupe backtest on a small labelled CSV', () => {
  let dir: string;
  let file: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loupe-backtest-'));
    file = join(dir, 'simulated.csv');
    await writeFile(file, simulatedCsv());
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('replays through the pipeline with a simulated analyst and writes the summary, per-day rows and learning curve', async () => {
    const out = join(dir, 'out');
    const env = { ...process.env, DATABASE_URL: TEST_DATABASE_URL, LOG_LEVEL: 'warn' };
    const { stdout, stderr } = await run(
      LOUPE,
      [
        'backtest', file,
        '--label', 'is_fraud', '--id', 'txn', '--time', 'when', '--account', 'card', '--merchant', 'shop', '--amount', 'value',
        '--spec', 'card-default', '--train-start', '2025-03-01', '--train-days', '4', '--delay-days', '2', '--test-days', '3', '--warmup-days', '8',
        '--budget', '5', '--epochs', '2', '--refresh-days', '2', '--keep-known-compromised', '--out', out,
      ],
      { env, maxBuffer: 32 * 1024 * 1024 },
    );
    assert.match(stdout, /^loop: AP /m);
    assert.match(stderr, /autoencoder refresh (promoted|rejected|skipped)/, 'the second test day ends with an autoencoder refresh');
    const summary = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    for (const key of ['averagePrecision', 'rocAuc', 'cardPrecisionAtK', 'k', 'reviewedFraction']) assert.equal(typeof summary[key], 'number', key);
    assert.ok(summary.cardPrecisionCeiling >= summary.cardPrecisionAtK && summary.cardPrecisionCeiling <= 1, `card precision ${summary.cardPrecisionAtK} within its ceiling ${summary.cardPrecisionCeiling}`);
    for (const baseline of ['unsupervisedBaseline', 'supervisedBaseline']) {
      for (const key of ['averagePrecision', 'rocAuc', 'cardPrecisionAtK']) assert.equal(typeof summary[baseline][key], 'number', `${baseline}.${key}: ${JSON.stringify(summary[baseline])}`);
    }
    assert.equal(summary.k, 5);
    assert.equal(summary.days.length, 3, 'one row per test day');
    assert.ok(summary.days.every((day: { reviewed: number }) => day.reviewed <= 5), 'the analyst keeps to the daily budget');
    assert.ok(summary.reviewed > 0, 'the analyst labelled what reached the queue');
    assert.ok(summary.reviewedFraction <= (5 * 3) / summary.testTransactions + 1e-9);
    assert.ok(summary.testTransactions > 500);
    // Simulated fraud episodes come back to the same cards, so this small run keeps known-compromised
    // cards (--keep-known-compromised); the handbook run drops them, as its protocol does.
    assert.equal(summary.removedKnownCompromised, 0);
    assert.ok(summary.averagePrecision > 0 && summary.rocAuc > 0.5, 'the loop ranks frauds above chance');
    const curve = await readFile(join(out, 'learning-curve.html'), 'utf8');
    assert.match(curve, /<svg[^>]*aria-label="Average precision per day"/);
    assert.match(curve, /stroke-dasharray[^>]*points="[\d.]+,[\d.]+[^"]*"><title>the best the day allowed/, 'card precision is drawn with its ceiling');

    // The run cleans up after itself: its schema is gone.
    const schema = /schema (backtest_[0-9a-f]+)/.exec(stderr)?.[1];
    assert.ok(schema, stderr.slice(0, 500));
    const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
    await client.connect();
    try {
      const { rowCount } = await client.query('SELECT 1 FROM information_schema.schemata WHERE schema_name = $1', [schema]);
      assert.equal(rowCount, 0);
    } finally {
      await client.end();
    }
  });
});
