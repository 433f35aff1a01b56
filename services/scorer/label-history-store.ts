import type pg from 'pg';
import type { Transaction } from '../domain/index.ts';
import { utcDay } from '../features/day-buckets.ts';
import type { LabelledTransaction, LabelRecord } from '../features/label-record.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/**
 * Adds the batch's transactions to `merchant_days` under the batch's source partition, inside the
 * batch's database transaction: batches of other partitions write other rows, so they never wait
 * on each other. Keys are sorted so that two writers of one partition (a scorer that lost it in a
 * rebalance and the one that got it) lock them in the same order.
 */
export async function countMerchantDays(db: Queryable, partition: number, transactions: readonly Transaction[]): Promise<void> {
  const counts = new Map<string, { merchant_id: string; day: number; count: number }>();
  for (const tx of transactions) {
    const day = utcDay(Date.parse(tx.timestamp));
    const key = `${tx.merchantId}\u0000${day}`;
    const entry = counts.get(key);
    if (entry) entry.count += 1;
    else counts.set(key, { merchant_id: tx.merchantId, day, count: 1 });
  }
  if (counts.size === 0) return;
  const rows = [...counts.values()].sort((a, b) => (a.merchant_id < b.merchant_id ? -1 : a.merchant_id > b.merchant_id ? 1 : a.day - b.day));
  await db.query(
    `INSERT INTO merchant_days (merchant_id, day, source_partition, count)
     SELECT merchant_id, day, $2, count FROM jsonb_to_recordset($1::jsonb) AS r(merchant_id text, day integer, count integer)
     ON CONFLICT (merchant_id, day, source_partition) DO UPDATE SET count = merchant_days.count + EXCLUDED.count`,
    [JSON.stringify(rows), partition],
  );
}

/**
 * Labelled history of the given merchants (or accounts) from `sinceDay` on: every labelled
 * transaction with each of its labels and when it became known, and for merchants the transaction
 * counts per day.
 */
export async function loadLabelRecords(db: Queryable, of: 'merchant' | 'account', ids: readonly string[], sinceDay: number): Promise<Map<string, LabelRecord>> {
  const records = new Map<string, LabelRecord>();
  const unique = [...new Set(ids)];
  for (const id of unique) records.set(id, { counts: new Map(), labelled: [] });
  if (unique.length === 0) return records;
  const column = of === 'merchant' ? 'merchant_id' : 'account_id';
  const [counts, labels] = await Promise.all([
    of === 'merchant'
      ? db.query<{ key: string; day: number; count: number }>(`SELECT merchant_id AS key, day, sum(count)::int AS count FROM merchant_days
           WHERE merchant_id = ANY($1) AND day >= $2 GROUP BY merchant_id, day`, [unique, sinceDay])
      : { rows: [] },
    db.query<{ key: string; transaction_id: string; day: number; known_ms: string; fraud: boolean }>(
      `SELECT d.${column} AS key, d.transaction_id, floor(extract(epoch FROM d.event_time) / 86400)::int AS day,
              (extract(epoch FROM l.labeled_at) * 1000)::bigint AS known_ms, l.label = 'fraud' AS fraud
         FROM decisions d JOIN labels l USING (transaction_id)
        WHERE d.${column} = ANY($1) AND d.event_time >= to_timestamp($2::bigint * 86400)
        ORDER BY d.transaction_id, l.id`,
      [unique, sinceDay],
    ),
  ]);
  for (const row of counts.rows) records.get(row.key)!.counts.set(row.day, row.count);
  let currentId: string | null = null;
  let current: LabelledTransaction = { day: 0, labels: [] };
  for (const row of labels.rows) {
    if (currentId !== row.transaction_id) {
      currentId = row.transaction_id;
      current = { day: row.day, labels: [] };
      records.get(row.key)!.labelled.push(current);
    }
    current.labels.push({ knownMs: Number(row.known_ms), fraud: row.fraud });
  }
  return records;
}
