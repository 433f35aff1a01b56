import type pg from 'pg';
import { type Connection, decodeCursor, IdCursor, type Page, toConnection } from '../pagination.ts';
import { isoMicros, SqlFilter } from './sql-filter.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface AuditEntryNode {
  seq: string;
  id: string;
  at: string;
  actor: string;
  kind: string;
  subject: string | null;
  payload: Record<string, unknown>;
  hash: string;
  prevHash: string;
}

export interface AuditEntryFilter {
  kind?: string | null;
  actor?: string | null;
  subject?: string | null;
  from?: string | null;
  to?: string | null;
  /**
   * Entries about one transaction: its decision batch, its labels, and the actions on its review
   * item (whose entries name the item, not the transaction).
   */
  touching?: { transactionId: string; reviewItemId: string | null } | null;
}

const COLUMNS = `seq::text AS "seq", id::text AS "id", ${isoMicros('at')} AS "at", actor, kind, subject, payload,
  encode(hash, 'hex') AS "hash", encode(prev_hash, 'hex') AS "prevHash"`;

/** Audit entries newest first (chain order), filtered; keyset-paginated. */
export async function listAuditEntries(db: Queryable, filter: AuditEntryFilter, page: Page): Promise<Connection<AuditEntryNode>> {
  const where = new SqlFilter()
    .optional('kind = ?', filter.kind)
    .optional('actor = ?', filter.actor)
    .optional('subject = ?', filter.subject)
    .optional('at >= ?::timestamptz', filter.from)
    .optional('at < ?::timestamptz', filter.to);
  const touching = filter.touching;
  if (touching) {
    where.add(
      `(subject = ? OR (payload -> 'transactionIds') @> ?::jsonb OR (kind LIKE 'review.%' AND subject = ?))`,
      touching.transactionId,
      JSON.stringify([touching.transactionId]),
      touching.reviewItemId ?? '',
    );
  }
  if (page.after) where.add('seq < ?::bigint', decodeCursor(page.after, IdCursor)[0]);
  const { rows } = await db.query<AuditEntryNode>(
    `SELECT ${COLUMNS} FROM audit_log ${where.where} ORDER BY audit_log.seq DESC LIMIT ${where.param(page.first + 1)}`,
    where.params,
  );
  return toConnection(rows, page, (entry) => [entry.seq]);
}
