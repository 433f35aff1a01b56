import type pg from 'pg';
import type { Label, LabelValue, Role } from '../domain/index.ts';
import { recordLabel } from '../labels/record-label.ts';
import { withTransaction } from '../platform/postgres.ts';
import { ReviewError } from './errors.ts';
import { lockClaimedItem } from './queue/lock-claimed-item.ts';

export interface LabelRequest {
  itemId: number;
  analyst: string;
  label: LabelValue;
  note?: string | undefined;
  reasonCode?: string | undefined;
  /** When the label became known; now unless a replay (the backtest's simulated analyst) says otherwise. */
  labeledAt?: Date | undefined;
}

/**
 * Records an analyst's label in one transaction: the item must be claimed by them with a live lease
 * (else NOT_FOUND / ALREADY_LABELED / NOT_YOURS / LEASE_EXPIRED, see lockClaimedItem), the label goes
 * through recordLabel (labels, outbox, audit) and the item leaves the queue as 'labeled'.
 */
export async function labelItem(pool: pg.Pool, request: LabelRequest): Promise<Label> {
  return withTransaction(pool, async (client) => {
    const item = await lockClaimedItem(client, request.itemId, request.analyst);
    await client.query({
      name: 'resolve-labeled-item',
      text: `UPDATE review_items SET status = 'labeled', lease_expires_at = NULL, resolved_at = now(), updated_at = now() WHERE id = $1`,
      values: [request.itemId],
    });
    // Last: its audit entry holds the audit chain's head until this transaction commits.
    return recordLabel(client, { ...request, transactionId: item.transaction_id, source: 'review' });
  });
}

/**
 * Corrects the label of an item already labelled: a new label that names the one it corrects (labels
 * are append-only; the latest counts). Whoever gave the current label may correct it; a lead or
 * admin may correct anyone's. Anything else is NOT_FOUND / NOT_LABELED / NOT_YOURS.
 */
export async function correctLabel(pool: pg.Pool, request: LabelRequest & { role: Role }): Promise<Label> {
  return withTransaction(pool, async (client) => {
    const items = await client.query<{ transaction_id: string; status: string }>(
      'SELECT transaction_id, status FROM review_items WHERE id = $1 FOR UPDATE',
      [request.itemId],
    );
    const item = items.rows[0];
    if (!item) throw new ReviewError('NOT_FOUND', `review item ${request.itemId} does not exist`);
    const latest = await client.query<{ id: string; analyst: string }>(
      'SELECT id, analyst FROM labels WHERE transaction_id = $1 ORDER BY id DESC LIMIT 1',
      [item.transaction_id],
    );
    const current = latest.rows[0];
    if (item.status !== 'labeled' || !current) throw new ReviewError('NOT_LABELED', `review item ${request.itemId} has no label to correct; label it instead`);
    if (current.analyst !== request.analyst && request.role === 'analyst') {
      throw new ReviewError('NOT_YOURS', `the current label of review item ${request.itemId} is ${current.analyst}'s; ask a lead to correct it`);
    }
    return recordLabel(client, {
      transactionId: item.transaction_id,
      label: request.label,
      analyst: request.analyst,
      note: request.note,
      reasonCode: request.reasonCode,
      source: 'review',
      corrects: Number(current.id),
    });
  });
}
