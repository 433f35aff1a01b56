import type pg from 'pg';

/**
 * Appends one row to audit_log (append-only by trigger), inside the caller's transaction. Every
 * writer goes through here, so how an entry is appended (and, later, chained) is decided once.
 * The chain's trigger locks its head row until the caller commits, which serialises every writer:
 * append as the transaction's last statement, so the lock is held for the commit alone.
 */
export async function appendAudit(
  client: Pick<pg.PoolClient, 'query'>,
  entry: { actor: string; kind: string; subject: string; payload?: Record<string, unknown> },
): Promise<void> {
  await client.query({
    name: 'append-audit',
    text: 'INSERT INTO audit_log (actor, kind, subject, payload) VALUES ($1, $2, $3, $4)',
    values: [entry.actor, entry.kind, entry.subject, JSON.stringify(entry.payload ?? {})],
  });
}
