import type pg from 'pg';

/** Appends one row to audit_log (append-only by trigger), inside the caller's transaction. */
export async function appendAudit(
  client: pg.PoolClient,
  entry: { actor: string; kind: string; subject: string; payload?: Record<string, unknown> },
): Promise<void> {
  await client.query('INSERT INTO audit_log (actor, kind, subject, payload) VALUES ($1, $2, $3, $4)', [
    entry.actor,
    entry.kind,
    entry.subject,
    JSON.stringify(entry.payload ?? {}),
  ]);
}
