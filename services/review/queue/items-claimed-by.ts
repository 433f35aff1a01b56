import type pg from 'pg';
import type { ReviewItem } from '../../domain/index.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './review-item-row.ts';

/** Items `analyst` holds with a live lease, oldest claim first: what a reloaded page resumes with. */
export async function itemsClaimedBy(db: pg.Pool, analyst: string): Promise<ReviewItem[]> {
  const { rows } = await db.query<ReviewItemRow>(
    `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items
      WHERE status = 'claimed' AND claimed_by = $1 AND lease_expires_at > now()
      ORDER BY lease_expires_at`,
    [analyst],
  );
  return rows.map(toReviewItem);
}
