import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { verifyAuditChain } from '../../services/audit/verify-chain.ts';
import { appendAudit } from '../../services/platform/audit-log.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { createTokens, errorCodes, graphql, startAuditServer, type AuditServer } from '../helpers/audit.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const run = promisify(execFile);

/** Changes audit_log rows behind the guard, as someone with the database's owner rights could. */
async function tamper(db: TestDatabase, sql: string, params: unknown[] = []): Promise<void> {
  await withTransaction(db.pool, async (client) => {
    await client.query('ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only');
    await client.query(sql, params);
    await client.query('ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only');
  });
}

async function loupeAuditVerify(db: TestDatabase): Promise<{ code: number; stdout: string }> {
  try {
    const { stdout } = await run('bin/loupe', ['audit', 'verify'], { env: { ...process.env, DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, LOG_LEVEL: 'silent' } });
    return { code: 0, stdout };
  } catch (error) {
    const failed = error as { code: number; stdout: string };
    return { code: failed.code, stdout: failed.stdout };
  }
}

describe('tamper-evident audit log', () => {
  let db: TestDatabase;
  let server: AuditServer;
  let auditor: string;

  before(async () => {
    db = await createTestDatabase();
    ({ auditor } = await createTokens(db.pool, ['auditor']));
    server = await startAuditServer({ pool: db.pool });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('chains concurrent appends into one gapless sequence, skipping rolled-back ones', async () => {
    const before = Number((await db.pool.query('SELECT count(*) AS n FROM audit_log')).rows[0].n);
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        withTransaction(db.pool, async (client) => {
          await appendAudit(client, { actor: `writer-${i % 4}`, kind: 'test.entry', subject: `s-${i}`, payload: { i, nested: { z: 1, a: [1, 2] } } });
          if (i % 10 === 9) throw new Error('roll back');
        }).catch(() => {}),
      ),
    );
    const { rows } = await db.pool.query<{ seq: string }>('SELECT seq FROM audit_log ORDER BY seq');
    assert.equal(rows.length, before + 36);
    rows.forEach((row, i) => assert.equal(Number(row.seq), i + 1));
    const result = await verifyAuditChain(db.pool);
    assert.deepEqual({ ok: result.ok, checked: result.entriesChecked, head: result.head.seq }, { ok: true, checked: rows.length, head: rows.length });

    const cli = await loupeAuditVerify(db);
    assert.equal(cli.code, 0);
    assert.match(cli.stdout, new RegExp(`audit chain holds: ${rows.length} entries; head ${rows.length} [0-9a-f]{64}`));
  });

  it('refuses UPDATE, DELETE and TRUNCATE on the log while the guard is on', async () => {
    await assert.rejects(db.pool.query(`UPDATE audit_log SET actor = 'someone-else' WHERE seq = 1`), /append-only/);
    await assert.rejects(db.pool.query('DELETE FROM audit_log WHERE seq = 1'), /append-only/);
    await assert.rejects(db.pool.query('TRUNCATE audit_log'), /append-only/);
    await assert.rejects(db.pool.query('DELETE FROM audit_chain_head'), /append-only/);
  });

  it('names an entry whose content was altered, through the query and the CLI', async () => {
    const { rows } = await db.pool.query<{ id: string; payload: unknown }>('SELECT id, payload FROM audit_log WHERE seq = 7');
    await tamper(db, `UPDATE audit_log SET payload = payload || '{"i": 999}' WHERE seq = 7`);

    const response = await graphql(server.url, auditor, '{ verifyAuditChain { ok entriesChecked firstBroken { seq id reason detail } } }');
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(response.body.data!.verifyAuditChain, {
      ok: false,
      entriesChecked: 6,
      firstBroken: { seq: '7', id: rows[0]!.id, reason: 'content-changed', detail: "entry 7's content no longer matches its hash" },
    });
    const cli = await loupeAuditVerify(db);
    assert.equal(cli.code, 1);
    assert.match(cli.stdout, new RegExp(`BROKEN at entry 7 \\(row id ${rows[0]!.id}\\): content-changed`));

    // Restoring the content restores the chain: the hash covers exactly the content.
    await tamper(db, 'UPDATE audit_log SET payload = $1 WHERE seq = 7', [JSON.stringify(rows[0]!.payload)]);
    assert.equal((await verifyAuditChain(db.pool)).ok, true);
  });

  it('names a deleted entry, a re-linked one, and a cut tail', async () => {
    await tamper(db, 'DELETE FROM audit_log WHERE seq = 12');
    assert.deepEqual(
      { ...(await verifyAuditChain(db.pool)).firstBroken, detail: undefined },
      { seq: 12, id: null, reason: 'entry-missing', detail: undefined },
    );
    // Renumbering the rest to hide the gap breaks the link of the entry moved into it.
    await tamper(db, 'UPDATE audit_log SET seq = seq - 1 WHERE seq > 12');
    const relinked = await verifyAuditChain(db.pool);
    assert.equal(relinked.firstBroken?.seq, 12);
    assert.equal(relinked.firstBroken?.reason, 'link-broken');

    const fresh = await createTestDatabase();
    try {
      for (let i = 0; i < 5; i++) await appendAudit(fresh.pool, { actor: 'a', kind: 'test.entry', subject: String(i) });
      await tamper(fresh, 'DELETE FROM audit_log WHERE seq = 5');
      const cut = await verifyAuditChain(fresh.pool);
      assert.equal(cut.ok, false);
      assert.equal(cut.firstBroken?.reason, 'head-mismatch');
      assert.equal(cut.entriesChecked, 4);
    } finally {
      await fresh.drop();
    }
  });

  it('lets only auditors and admins verify', async () => {
    const { analyst } = await createTokens(db.pool, ['analyst']);
    const response = await graphql(server.url, analyst, '{ verifyAuditChain { ok } }');
    assert.deepEqual(errorCodes(response), ['FORBIDDEN']);
    assert.equal(response.body.data, null);
  });
});
