import type pg from 'pg';
import { TransactionSchema } from '../domain/index.ts';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { withTransaction } from '../platform/postgres.ts';
import { createTrainingRowCollector, type TrainingRows } from './training-rows.ts';

export interface PostgresTrainingOptions {
  spec: CompiledFeatureSpec;
  /** Window [sinceMs, untilMs) on the transactions' event time. */
  sinceMs: number;
  untilMs: number;
  /** Leave out transactions whose latest label is fraud (they still shape their accounts' history). */
  excludeFraud: boolean;
  /** Rows fetched per round trip (default 5000). */
  pageSize?: number;
  onProgress?: (progress: { rows: number; total: number; fraction: number }) => void;
}

export interface PostgresTrainingRows extends TrainingRows {
  /** Decisions in the window. */
  total: number;
  /** Training rows whose latest label is fraud (0 when they are excluded). */
  fraudRows: number;
  /** Stored transactions that no longer pass TransactionSchema: skipped, with a few examples. */
  invalid: number;
  invalidExamples: string[];
}

interface StoredTransactionRow {
  transaction_id: string;
  event_time: Date;
  transaction: unknown;
}

/**
 * Reads the transactions the scorer stored with its decisions in [since, until), in event-time
 * order, and re-encodes them with `spec` from a fresh state: the spec may differ from the one they
 * were scored with, so the stored feature vectors cannot be reused. Accounts start the window with
 * no history, as a scorer started on an empty database would.
 *
 * One read-only repeatable-read transaction gives the count and the rows the same snapshot, and a
 * server-side cursor streams them in one sorted pass: keyset pages would re-sort the window for
 * every page, decisions having no index on event_time alone.
 */
export async function loadPostgresTrainingRows(pool: pg.Pool, options: PostgresTrainingOptions): Promise<PostgresTrainingRows> {
  const { spec, excludeFraud } = options;
  const pageSize = options.pageSize ?? 5000;
  // Interpolated into FETCH (which takes no parameters), so it must be a plain positive integer.
  if (!(Number.isInteger(pageSize) && pageSize > 0)) throw new RangeError(`pageSize must be a positive whole number, got ${pageSize}`);
  if (!(options.sinceMs < options.untilMs)) throw new RangeError('the window must end after it starts');
  const window = [new Date(options.sinceMs).toISOString(), new Date(options.untilMs).toISOString()];
  return withTransaction(pool, async (client) => {
    await client.query('SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const { rows: counted } = await client.query<{ total: string }>(
      'SELECT count(*)::text AS total FROM decisions WHERE event_time >= $1 AND event_time < $2',
      window,
    );
    const total = Number(counted[0]?.total ?? 0);
    await client.query(
      `DECLARE training_rows NO SCROLL CURSOR FOR
         SELECT transaction_id, event_time, transaction FROM decisions
          WHERE event_time >= $1 AND event_time < $2
          ORDER BY event_time, transaction_id`,
      window,
    );
    const collector = createTrainingRowCollector(spec, total);
    let read = 0;
    let fraudRows = 0;
    let invalid = 0;
    const invalidExamples: string[] = [];
    for (;;) {
      const { rows } = await client.query<StoredTransactionRow>(`FETCH ${pageSize} FROM training_rows`);
      if (rows.length === 0) break;
      const fraud = await latestFraudLabels(client, rows.map((row) => row.transaction_id));
      for (const row of rows) {
        const parsed = TransactionSchema.safeParse(row.transaction);
        if (!parsed.success) {
          invalid++;
          if (invalidExamples.length < 5) {
            const issue = parsed.error.issues[0];
            invalidExamples.push(`${row.transaction_id}: ${issue ? `${issue.path.join('.') || '(root)'}: ${issue.message}` : 'invalid'}`);
          }
          continue;
        }
        const isFraud = fraud.has(row.transaction_id);
        if (isFraud && excludeFraud) collector.countExcludedFraud();
        else if (isFraud) fraudRows++;
        // Merchant features read labels: the latest label counts, and an unlabelled transaction as legitimate.
        collector.push(parsed.data, row.event_time.getTime(), !(isFraud && excludeFraud), isFraud ? 1 : 0);
      }
      read += rows.length;
      options.onProgress?.({ rows: read, total, fraction: total > 0 ? read / total : 1 });
    }
    await client.query('CLOSE training_rows');
    return { ...collector.finish(), total, fraudRows, invalid, invalidExamples };
  });
}

/** Ids among `transactionIds` whose latest label (labels are append-only; the last row counts) is fraud. */
async function latestFraudLabels(client: pg.PoolClient, transactionIds: string[]): Promise<Set<string>> {
  const { rows } = await client.query<{ transaction_id: string; label: string }>(
    `SELECT DISTINCT ON (transaction_id) transaction_id, label FROM labels
      WHERE transaction_id = ANY($1::text[])
      ORDER BY transaction_id, id DESC`,
    [transactionIds],
  );
  return new Set(rows.filter((row) => row.label === 'fraud').map((row) => row.transaction_id));
}

/** Event times of the earliest and latest stored transaction (null when there are none): for error messages. */
export async function storedTransactionSpan(db: Pick<pg.Pool, 'query'>): Promise<{ from: string; to: string } | null> {
  const { rows } = await db.query<{ first: Date | null; last: Date | null }>('SELECT min(event_time) AS first, max(event_time) AS last FROM decisions');
  const { first, last } = rows[0] ?? {};
  return first && last ? { from: first.toISOString(), to: last.toISOString() } : null;
}
