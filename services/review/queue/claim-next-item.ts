import type pg from 'pg';
import type { ReviewItem } from '../../domain/index.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './review-item-row.ts';

/**
 * Gives `analyst` the next item with a lease of `leaseSeconds`, or null when nothing is left for them.
 *
 * Claimable: open items, and claimed items whose lease has run out (an analyst who walked away gets
 * no say: the lease is checked here, so no sweeper process is needed). Items assigned to someone else
 * are not claimable. Order: items assigned to this analyst first, then priority, then age; an item
 * this analyst skipped last goes behind everything else for them (see 0003_review-queue.sql).
 *
 * `FOR UPDATE SKIP LOCKED` makes concurrent claimers pass over a row another claimer is taking
 * instead of waiting for it and then finding it gone, so no two get the same item and none block.
 */
export async function claimNextItem(db: pg.Pool | pg.PoolClient, analyst: string, leaseSeconds: number): Promise<ReviewItem | null> {
  for (const { name, where, order } of PLACES) {
    const { rows } = await db.query<ReviewItemRow>({
      name,
      text: `UPDATE review_items
          SET status = 'claimed', claimed_by = $1, lease_expires_at = now() + make_interval(secs => $2), updated_at = now()
        WHERE id = (
          SELECT id FROM review_items
           WHERE (status = 'open' OR (status = 'claimed' AND lease_expires_at < now())) AND ${where}
           ORDER BY ${order}priority DESC, created_at ASC
           LIMIT 1
           FOR UPDATE SKIP LOCKED)
        RETURNING ${REVIEW_ITEM_COLUMNS}`,
      values: [analyst, leaseSeconds],
    });
    if (rows[0]) return toReviewItem(rows[0]);
  }
  return null;
}

/**
 * Where claim looks, in order, each through its own index (0008_claim-indexes.sql), stopping at the
 * first row it can lock: what is assigned to the analyst (the few there are, the ones they skipped
 * last), the shared queue without what they skipped, then what they skipped.
 */
const PLACES = [
  { name: 'claim-assigned-item', where: 'assigned_to = $1', order: '(skipped_by IS NOT DISTINCT FROM $1) ASC, ' },
  { name: 'claim-shared-item', where: 'assigned_to IS NULL AND skipped_by IS DISTINCT FROM $1', order: '' },
  { name: 'claim-skipped-item', where: 'assigned_to IS NULL AND skipped_by = $1', order: '' },
] as const;
