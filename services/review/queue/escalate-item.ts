import type pg from 'pg';
import { withTransaction } from '../../platform/postgres.ts';
import { appendAudit } from '../../platform/audit-log.ts';
import { lockClaimedItem } from './lock-claimed-item.ts';

/**
 * Takes the item out of the analysts' queue for a lead: status 'escalated', which claim never picks.
 * A lead brings it back by assigning it (assign-item.ts).
 */
export async function escalateItem(pool: pg.Pool, itemId: number, analyst: string, note: string | undefined): Promise<void> {
  await withTransaction(pool, async (client) => {
    await lockClaimedItem(client, itemId, analyst);
    await client.query(
      `UPDATE review_items
          SET status = 'escalated', claimed_by = NULL, lease_expires_at = NULL,
              escalated_by = $2, escalated_at = now(), resolved_at = now(), note = coalesce($3, note), updated_at = now()
        WHERE id = $1`,
      [itemId, analyst, note ?? null],
    );
    await appendAudit(client, { actor: analyst, kind: 'review.escalated', subject: String(itemId), payload: { note: note ?? null } });
  });
}
