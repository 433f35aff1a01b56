import type pg from 'pg';
import { withTransaction } from '../../platform/postgres.ts';
import { appendAudit } from '../../platform/audit-log.ts';
import { lockClaimedItem } from './lock-claimed-item.ts';

/** Hands the item back to the queue at its old place. Only its holder may release it. */
export async function releaseItem(pool: pg.Pool, itemId: number, analyst: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await lockClaimedItem(client, itemId, analyst);
    await client.query(
      `UPDATE review_items SET status = 'open', claimed_by = NULL, lease_expires_at = NULL, updated_at = now() WHERE id = $1`,
      [itemId],
    );
    await appendAudit(client, { actor: analyst, kind: 'review.released', subject: String(itemId) });
  });
}
