import type pg from 'pg';
import { type Label, LabelSchema, type LabelValue } from '../domain/index.ts';
import { withTransaction } from '../platform/postgres.ts';
import { appendAudit } from '../platform/audit-log.ts';
import { lockClaimedItem } from './queue/lock-claimed-item.ts';

export interface LabelRequest {
  itemId: number;
  analyst: string;
  label: LabelValue;
  note?: string | undefined;
  reasonCode?: string | undefined;
}

/**
 * Records an analyst's label in one transaction: the item must be claimed by them with a live lease
 * (else NOT_FOUND / ALREADY_LABELED / NOT_YOURS / LEASE_EXPIRED, see lockClaimedItem), the label is
 * appended to `labels`, the item becomes 'labeled' and the audit log gets 'label.recorded'.
 * Returns the label as it goes on the `labels` topic; publishing it is the caller's (publish-label.ts).
 */
export async function labelItem(pool: pg.Pool, request: LabelRequest): Promise<Label> {
  return withTransaction(pool, async (client) => {
    const item = await lockClaimedItem(client, request.itemId, request.analyst);
    const { rows } = await client.query<{ labeled_at: Date }>(
      `INSERT INTO labels (transaction_id, label, source, analyst, note, reason_code, labeled_at)
       VALUES ($1, $2, 'review', $3, $4, $5, now()) RETURNING labeled_at`,
      [item.transaction_id, request.label, request.analyst, request.note ?? null, request.reasonCode ?? null],
    );
    await client.query(
      `UPDATE review_items SET status = 'labeled', lease_expires_at = NULL, updated_at = now() WHERE id = $1`,
      [request.itemId],
    );
    // Validated before commit: a label that could not go on the topic is not recorded either.
    const label = LabelSchema.parse({
      transactionId: item.transaction_id,
      label: request.label,
      analyst: request.analyst,
      ...(request.note === undefined ? {} : { note: request.note }),
      ...(request.reasonCode === undefined ? {} : { reasonCode: request.reasonCode }),
      source: 'review',
      labeledAt: rows[0]!.labeled_at.toISOString(),
    });
    await appendAudit(client, { actor: request.analyst, kind: 'label.recorded', subject: item.transaction_id, payload: { itemId: request.itemId, ...label } });
    return label;
  });
}
