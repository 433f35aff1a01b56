import type pg from 'pg';
import { withTransaction } from '../../platform/postgres.ts';
import { appendAudit } from '../../platform/audit-log.ts';
import { ReviewError } from '../errors.ts';
import { findUser } from '../users.ts';

/**
 * A lead gives an open, escalated or claimed item to `analyst`: it goes back to 'open' with
 * `assigned_to` set, so only that analyst can claim it and it is first in their queue. A current
 * claim by someone else ends here (the lead decides). Labelled items cannot be reassigned.
 */
export async function assignItem(pool: pg.Pool, itemId: number, analyst: string, lead: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    if ((await findUser(client, analyst)) === null) throw new ReviewError('UNKNOWN_ANALYST', `no user named ${analyst}`);
    const { rows } = await client.query<{ status: string }>('SELECT status FROM review_items WHERE id = $1 FOR UPDATE', [itemId]);
    const row = rows[0];
    if (!row) throw new ReviewError('NOT_FOUND', `review item ${itemId} does not exist`);
    if (row.status === 'labeled') throw new ReviewError('ALREADY_LABELED', `review item ${itemId} is already labelled`);
    await client.query(
      `UPDATE review_items
          SET status = 'open', claimed_by = NULL, lease_expires_at = NULL, assigned_to = $2, resolved_at = NULL, updated_at = now()
        WHERE id = $1`,
      [itemId, analyst],
    );
    await appendAudit(client, { actor: lead, kind: 'review.assigned', subject: String(itemId), payload: { analyst } });
  });
}
