import type pg from 'pg';
import { withTransaction } from '../../platform/postgres.ts';
import { appendAudit } from '../../platform/audit-log.ts';
import { lockClaimedItem } from './lock-claimed-item.ts';

/**
 * Releases the item and remembers that `analyst` skipped it: their next claims pass over it while
 * anything else is left for them; other analysts still see it at its place (0003_review-queue.sql).
 */
export async function skipItem(pool: pg.Pool, itemId: number, analyst: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    await lockClaimedItem(client, itemId, analyst);
    await client.query(
      `UPDATE review_items
          SET status = 'open', claimed_by = NULL, lease_expires_at = NULL,
              skipped_by = $2, skip_count = skip_count + 1, updated_at = now()
        WHERE id = $1`,
      [itemId, analyst],
    );
    await appendAudit(client, { actor: analyst, kind: 'review.skipped', subject: String(itemId) });
  });
}
