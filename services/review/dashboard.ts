import type pg from 'pg';
import { ACTIONS, type Action } from '../domain/index.ts';

export const DASHBOARD_BUCKETS = 48;

export interface DashboardBucket {
  /** Start of the bucket (ISO 8601); it lasts `bucketSeconds`. */
  start: string;
  /** Items waiting for an analyst at the end of the bucket (created, not yet labelled or escalated). */
  queueDepth: number;
  /** Review labels given in the bucket (corrections not counted again). */
  labeled: number;
  decisions: Record<Action, number>;
}

export interface Dashboard {
  from: string;
  to: string;
  bucketSeconds: number;
  buckets: DashboardBucket[];
}

/**
 * Queue depth at the end of each bucket, from the depth at the start of the window and the items
 * that entered and left the queue in each bucket. Pure, so the running sum is tested on its own.
 */
export function queueDepthSeries(initialDepth: number, entered: readonly number[], left: readonly number[]): number[] {
  let depth = initialDepth;
  return entered.map((count, i) => (depth += count - (left[i] ?? 0)));
}

const bucketCounts = () => new Array<number>(DASHBOARD_BUCKETS).fill(0);

/**
 * Queue depth, review rate and decision mix over the last `hours`, in DASHBOARD_BUCKETS buckets.
 * Each series is one grouped scan over an indexed time column, so the cost grows with the rows in
 * the window, not with rows × buckets.
 */
export async function loadDashboard(db: pg.Pool, hours: number, now = new Date()): Promise<Dashboard> {
  const bucketSeconds = (hours * 3600) / DASHBOARD_BUCKETS;
  const to = now;
  const from = new Date(to.getTime() - hours * 3_600_000);
  const bucketOf = (column: string) => `floor(extract(epoch FROM ${column} - $1::timestamptz) / $3)::int`;
  const window = (column: string) => `${column} >= $1 AND ${column} < $2`;
  const params = [from, to, bucketSeconds];

  const [initial, entered, left, labeled, decisions] = await Promise.all([
    db.query<{ depth: string }>(
      'SELECT count(*) AS depth FROM review_items WHERE created_at < $1 AND (resolved_at IS NULL OR resolved_at >= $1)',
      [from],
    ),
    db.query<{ bucket: number; n: string }>(`SELECT ${bucketOf('created_at')} AS bucket, count(*) AS n FROM review_items WHERE ${window('created_at')} GROUP BY 1`, params),
    db.query<{ bucket: number; n: string }>(`SELECT ${bucketOf('resolved_at')} AS bucket, count(*) AS n FROM review_items WHERE ${window('resolved_at')} GROUP BY 1`, params),
    db.query<{ bucket: number; n: string }>(
      `SELECT ${bucketOf('labeled_at')} AS bucket, count(*) AS n FROM labels WHERE ${window('labeled_at')} AND source = 'review' AND corrects IS NULL GROUP BY 1`,
      params,
    ),
    db.query<{ bucket: number; action: Action; n: string }>(
      `SELECT ${bucketOf('decided_at')} AS bucket, action, count(*) AS n FROM decisions WHERE ${window('decided_at')} GROUP BY 1, 2`,
      params,
    ),
  ]);

  const series = (rows: ReadonlyArray<{ bucket: number; n: string }>) => {
    const counts = bucketCounts();
    for (const row of rows) counts[Math.min(row.bucket, DASHBOARD_BUCKETS - 1)]! += Number(row.n);
    return counts;
  };
  const depth = queueDepthSeries(Number(initial.rows[0]!.depth), series(entered.rows), series(left.rows));
  const labeledPerBucket = series(labeled.rows);
  const mix = Object.fromEntries(ACTIONS.map((action) => [action, series(decisions.rows.filter((row) => row.action === action))])) as Record<Action, number[]>;

  return {
    from: from.toISOString(),
    to: to.toISOString(),
    bucketSeconds,
    buckets: depth.map((queueDepth, i) => ({
      start: new Date(from.getTime() + i * bucketSeconds * 1000).toISOString(),
      queueDepth,
      labeled: labeledPerBucket[i]!,
      decisions: Object.fromEntries(ACTIONS.map((action) => [action, mix[action][i]!])) as Record<Action, number>,
    })),
  };
}
