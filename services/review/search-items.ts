import type pg from 'pg';
import type { ReviewItem, SearchQuery } from '../domain/index.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './queue/review-item-row.ts';

/**
 * Review items of one transaction id, of one account (newest first), or in one status (by priority,
 * as a lead working escalations needs them); at most 100.
 */
export async function searchItems(db: pg.Pool, query: SearchQuery): Promise<ReviewItem[]> {
  const [where, order, value] =
    query.transaction !== undefined
      ? ['transaction_id = $1', 'created_at DESC', query.transaction]
      : query.account !== undefined
        ? ['account_id = $1', 'created_at DESC', query.account]
        : ['status = $1', 'priority DESC, created_at', query.status];
  const { rows } = await db.query<ReviewItemRow>(`SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE ${where} ORDER BY ${order} LIMIT 100`, [value]);
  return rows.map(toReviewItem);
}
