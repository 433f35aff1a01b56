import type pg from 'pg';
import { type Label, LabelSchema, type LabelValue } from '../domain/index.ts';
import { appendAudit } from '../platform/audit-log.ts';

export interface NewLabel {
  transactionId: string;
  label: LabelValue;
  analyst: string;
  source: Label['source'];
  note?: string | undefined;
  reasonCode?: string | undefined;
  corrects?: number | undefined;
  /** When the label became known; now by default. Imports and replays give their own time. */
  labeledAt?: Date | undefined;
}

interface LabelRow {
  id: string;
  transaction_id: string;
  label: LabelValue;
  source: Label['source'];
  analyst: string;
  note: string | null;
  reason_code: string | null;
  labeled_at: Date;
  corrects: string | null;
}

export const LABEL_COLUMNS = 'id, transaction_id, label, source, analyst, note, reason_code, labeled_at, corrects';

export function toLabel(row: LabelRow): Label {
  return LabelSchema.parse({
    id: Number(row.id),
    transactionId: row.transaction_id,
    label: row.label,
    analyst: row.analyst,
    ...(row.note === null ? {} : { note: row.note }),
    ...(row.reason_code === null ? {} : { reasonCode: row.reason_code }),
    source: row.source,
    labeledAt: row.labeled_at.toISOString(),
    ...(row.corrects === null ? {} : { corrects: Number(row.corrects) }),
  });
}

/**
 * Appends a label, its outbox row (label-outbox.ts puts it on the topic) and its audit entry, inside
 * the caller's transaction: the label exists exactly when all three do. Every label writer comes
 * through here (review, corrections, and later chargeback imports).
 */
export async function recordLabel(client: pg.PoolClient, label: NewLabel): Promise<Label> {
  const { rows } = await client.query<LabelRow>({
    name: 'insert-label',
    text: `INSERT INTO labels (transaction_id, label, source, analyst, note, reason_code, corrects, labeled_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, coalesce($8, now())) RETURNING ${LABEL_COLUMNS}`,
    values: [label.transactionId, label.label, label.source, label.analyst, label.note ?? null, label.reasonCode ?? null, label.corrects ?? null, label.labeledAt ?? null],
  });
  // Parsed before commit: a label that could not go on the topic is not recorded either.
  const recorded = toLabel(rows[0]!);
  await client.query({ name: 'insert-label-outbox', text: 'INSERT INTO label_outbox (label_id) VALUES ($1)', values: [recorded.id] });
  await appendAudit(client, {
    actor: label.analyst,
    kind: label.corrects === undefined ? 'label.recorded' : 'label.corrected',
    subject: label.transactionId,
    payload: { ...recorded },
  });
  return recorded;
}
