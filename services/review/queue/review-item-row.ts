import type { ReviewItem, ReviewStatus } from '../../domain/index.ts';

/** review_items as pg returns it; converted to the API shape at the edge. */
export interface ReviewItemRow {
  id: string;
  transaction_id: string;
  account_id: string;
  status: ReviewStatus;
  priority: number;
  claimed_by: string | null;
  lease_expires_at: Date | null;
  assigned_to: string | null;
  skipped_by: string | null;
  skip_count: number;
  escalated_by: string | null;
  note: string | null;
  created_at: Date;
}

export const REVIEW_ITEM_COLUMNS = `id, transaction_id, account_id, status, priority, claimed_by, lease_expires_at,
  assigned_to, skipped_by, skip_count, escalated_by, note, created_at`;

export function toReviewItem(row: ReviewItemRow): ReviewItem {
  return {
    id: Number(row.id),
    transactionId: row.transaction_id,
    accountId: row.account_id,
    status: row.status,
    priority: row.priority,
    claimedBy: row.claimed_by,
    leaseExpiresAt: row.lease_expires_at?.toISOString() ?? null,
    assignedTo: row.assigned_to,
    skippedBy: row.skipped_by,
    skipCount: row.skip_count,
    escalatedBy: row.escalated_by,
    note: row.note,
    createdAt: row.created_at.toISOString(),
  };
}
