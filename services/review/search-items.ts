import type pg from 'pg';
import type { ReviewItem } from '../domain/index.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './queue/review-item-row.ts';

/** Review items for one transaction id or one account (newest first, at most 100). */
export async function searchItems(db: pg.Pool, query: { transaction?: string | undefined; account?: string | undefined }): Promise<ReviewItem[]> {
  const { rows } = query.transaction !== undefined
    ? await db.query<ReviewItemRow>(`SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE transaction_id = $1`, [query.transaction])
    : await db.query<ReviewItemRow>(
        `SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE account_id = $1 ORDER BY created_at DESC LIMIT 100`,
        [query.account ?? ''],
      );
  return rows.map(toReviewItem);
}
