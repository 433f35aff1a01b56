import type pg from 'pg';
import { type Connection, decodeCursor, IdCursor, type Page, toConnection } from '../pagination.ts';
import { isoMicros, SqlFilter } from './sql-filter.ts';

type Queryable = Pick<pg.Pool, 'query'>;

export interface LabelNode {
  id: string;
  transactionId: string;
  label: 'fraud' | 'legit';
  source: 'review' | 'chargeback';
  analyst: string;
  note: string | null;
  reasonCode: string | null;
  labeledAt: string;
  recordedAt: string;
  corrects: string | null;
}

export interface LabelFilter {
  transactionId?: string | null;
  analyst?: string | null;
  label?: 'fraud' | 'legit' | null;
  source?: 'review' | 'chargeback' | null;
  /** On when the label was given (labeled_at). */
  from?: string | null;
  to?: string | null;
}

const COLUMNS = `id::text AS "id", transaction_id AS "transactionId", label, source, analyst, note, reason_code AS "reasonCode",
  ${isoMicros('labeled_at')} AS "labeledAt", ${isoMicros('recorded_at')} AS "recordedAt", corrects::text AS "corrects"`;

/** Labels newest first (by id: the order they were recorded), filtered; keyset-paginated. */
export async function listLabels(db: Queryable, filter: LabelFilter, page: Page): Promise<Connection<LabelNode>> {
  const where = new SqlFilter()
    .optional('transaction_id = ?', filter.transactionId)
    .optional('analyst = ?', filter.analyst)
    .optional('label = ?', filter.label)
    .optional('source = ?', filter.source)
    .optional('labeled_at >= ?::timestamptz', filter.from)
    .optional('labeled_at < ?::timestamptz', filter.to);
  if (page.after) where.add('id < ?::bigint', decodeCursor(page.after, IdCursor)[0]);
  const { rows } = await db.query<LabelNode>(
    `SELECT ${COLUMNS} FROM labels ${where.where} ORDER BY labels.id DESC LIMIT ${where.param(page.first + 1)}`,
    where.params,
  );
  return toConnection(rows, page, (label) => [label.id]);
}

export async function findLabels(db: Queryable, ids: readonly string[]): Promise<Map<string, LabelNode>> {
  if (ids.length === 0) return new Map();
  const { rows } = await db.query<LabelNode>(`SELECT ${COLUMNS} FROM labels WHERE id = ANY($1::bigint[])`, [ids]);
  return new Map(rows.map((row) => [row.id, row]));
}
