import type pg from 'pg';
import { REVIEW_STATUSES, type ReviewStatus } from '../../domain/index.ts';

export interface QueueStats {
  counts: Record<ReviewStatus, number>;
  /** Age of the oldest item waiting for an analyst (open, or claimed with an expired lease), or null. */
  oldestWaitingSeconds: number | null;
  /** Labels recorded but not yet on the `labels` topic (the outbox); more than a few means the broker is unreachable. */
  labelsAwaitingPublication: number;
}

export async function queueStats(db: pg.Pool): Promise<QueueStats> {
  const { rows } = await db.query<{ status: ReviewStatus; count: string }>('SELECT status, count(*) AS count FROM review_items GROUP BY status');
  const counts = Object.fromEntries(REVIEW_STATUSES.map((status) => [status, 0])) as Record<ReviewStatus, number>;
  for (const row of rows) counts[row.status] = Number(row.count);
  const oldest = await db.query<{ age: number | null }>(
    `SELECT extract(epoch FROM now() - min(created_at))::float8 AS age FROM review_items
      WHERE status = 'open' OR (status = 'claimed' AND lease_expires_at < now())`,
  );
  const outbox = await db.query<{ count: number }>('SELECT count(*)::int AS count FROM label_outbox');
  return { counts, oldestWaitingSeconds: oldest.rows[0]?.age ?? null, labelsAwaitingPublication: outbox.rows[0]!.count };
}
