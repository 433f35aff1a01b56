import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { after, before, describe, it } from 'node:test';
import pg from 'pg';
import { createPool } from '../../services/platform/postgres.ts';
import { TEST_DATABASE_URL } from '../helpers/postgres.ts';

/** Runs `loupe migrate` as its own process, the way two services would at start-up. */
async function migrateInProcess(url: string, schema: string): Promise<{ code: number; output: string }> {
  const child = spawn('bin/loupe', ['migrate'], { env: { ...process.env, DATABASE_URL: url, DATABASE_SCHEMA: schema, LOG_LEVEL: 'warn' } });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  const [code] = await once(child, 'exit');
  return { code: code as number, output };
}

async function withAdmin<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

describe('migrations', () => {
  const database = `loupe_test_create_${randomBytes(4).toString('hex')}`;
  const url = Object.assign(new URL(TEST_DATABASE_URL), { pathname: `/${database}` }).toString();
  const maintenanceUrl = Object.assign(new URL(TEST_DATABASE_URL), { pathname: '/postgres' }).toString();
  let pool: pg.Pool;

  before(async () => {
    const [first, second] = await Promise.all([migrateInProcess(url, 'public'), migrateInProcess(url, 'public')]);
    assert.equal(first.code, 0, first.output);
    assert.equal(second.code, 0, second.output);
    pool = createPool({ url, schema: 'public', poolSize: 2 });
  });

  after(async () => {
    await pool.end();
    await withAdmin(maintenanceUrl, (client) => client.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
  });

  it('creates the missing database and applies each migration once, even from two processes at once', async () => {
    const files = (await readdir('migrations')).filter((file) => file.endsWith('.sql'));
    const { rows } = await pool.query('SELECT name FROM pgmigrations ORDER BY run_on, id');
    assert.deepEqual(rows.map((row) => `${row.name}.sql`), files.sort());
    const again = await migrateInProcess(url, 'public');
    assert.equal(again.code, 0);
    assert.match(again.output, /database is up to date/);
  });

  it('refuses to change or remove audit log entries and labels', async () => {
    await pool.query(`INSERT INTO audit_log (actor, kind, payload) VALUES ('test', 'test.entry', '{}')`);
    await assert.rejects(pool.query(`UPDATE audit_log SET actor = 'mallory'`), /audit_log is append-only: UPDATE is not allowed/);
    await assert.rejects(pool.query('DELETE FROM audit_log'), /audit_log is append-only: DELETE is not allowed/);
    await assert.rejects(pool.query('TRUNCATE audit_log'), /audit_log is append-only: TRUNCATE is not allowed/);
    await pool.query(
      `INSERT INTO labels (transaction_id, label, source, analyst, labeled_at) VALUES ('tx-1', 'fraud', 'review', 'ana', now())`,
    );
    await assert.rejects(pool.query(`UPDATE labels SET label = 'legit'`), /labels is append-only/);
    const { rows } = await pool.query('SELECT count(*)::int AS n FROM audit_log');
    assert.equal(rows[0].n, 1);
  });

  it('allows at most one champion model', async () => {
    const insert = (id: string, status: string) =>
      pool.query(
        `INSERT INTO model_versions (id, feature_spec_version, feature_spec, normalisation, weights, status)
         VALUES ($1, 'spec-1', '{}', '{}', '\\x00', $2)`,
        [id, status],
      );
    await insert('m1', 'champion');
    await insert('m2', 'candidate');
    await assert.rejects(insert('m3', 'champion'), /model_versions_one_champion/);
  });

  it('keeps tables inside the configured schema, so tenants and tests can share a database', async () => {
    const schema = `t_${randomBytes(4).toString('hex')}`;
    const result = await migrateInProcess(url, schema);
    assert.equal(result.code, 0, result.output);
    const { rows } = await pool.query(`SELECT count(*)::int AS n FROM information_schema.tables WHERE table_schema = $1 AND table_name = 'decisions'`, [schema]);
    assert.equal(rows[0].n, 1);
    await pool.query(`DROP SCHEMA "${schema}" CASCADE`);
  });
});
