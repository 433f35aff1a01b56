import assert from 'node:assert/strict';
import type { Kafka } from 'kafkajs';
import type { Config } from '../../services/platform/config.ts';
import { readAllCommitted } from './kafka.ts';
import type { TestDatabase } from './postgres.ts';

/**
 * The delivery guarantee, checked after a run with failures: exactly one decision row and exactly
 * one committed `decisions` record per transaction, velocity state that counted each transaction
 * once (replayed batches included), and no replay mistaken for a duplicate.
 */
export async function assertExactlyOnce(db: TestDatabase, kafka: Kafka, config: Config, total: number): Promise<void> {
  const { rows } = await db.pool.query('SELECT count(*)::int AS n, count(DISTINCT transaction_id)::int AS distinct_ids FROM decisions');
  assert.deepEqual(rows[0], { n: total, distinct_ids: total }, 'exactly one decision row per transaction');
  const published = await readAllCommitted(kafka, config.topics.decisions, 120_000);
  const publishedIds = published.map((m) => JSON.parse(m.value!.toString()).transactionId as string);
  assert.equal(new Set(publishedIds).size, total, 'every transaction has a committed decision record');
  assert.equal(published.length, total, 'and only one');
  const { rows: state } = await db.pool.query(`SELECT sum((state->>'txCount')::int)::int AS counted FROM account_state`);
  assert.equal(state[0].counted, total, 'velocity state counted every transaction once');
  const { rows: duplicates } = await db.pool.query('SELECT count(*)::int AS n FROM duplicate_transactions');
  assert.equal(duplicates[0].n, 0, 'a replayed record is a replay, not a duplicate');
}
