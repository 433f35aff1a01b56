import type pg from 'pg';
import { type AccountState, AccountStateSchema, decisionFromRow, type DecisionRow } from '../domain/index.ts';
import { reviewPriority } from '../policy/review-priority.ts';
import type { NewDecision, ScoredBatch, StoredDecision } from './score-batch.ts';
import { appendAudit } from '../platform/audit-log.ts';
import { countMerchantDays } from './label-history-store.ts';
import { type CopyField, copyRows, realArrayLiteral } from '../platform/postgres-copy.ts';
import { isUniqueViolation } from '../platform/postgres.ts';

type Queryable = Pick<pg.PoolClient, 'query'>;

interface StoredDecisionRow extends DecisionRow {
  source_topic: string;
  source_partition: number;
  source_offset: string;
}

export async function findStoredDecisions(db: Queryable, transactionIds: string[]): Promise<Map<string, StoredDecision>> {
  const found = new Map<string, StoredDecision>();
  if (transactionIds.length === 0) return found;
  const { rows } = await db.query<StoredDecisionRow>(
    `SELECT transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence,
            model_version, rules_version, policy_version, decided_at, latency_ms,
            source_topic, source_partition, source_offset::text AS source_offset
       FROM decisions WHERE transaction_id = ANY($1::text[])`,
    [transactionIds],
  );
  for (const row of rows) {
    found.set(row.transaction_id, {
      decision: decisionFromRow(row),
      source: { topic: row.source_topic, partition: row.source_partition, offset: row.source_offset },
    });
  }
  return found;
}

export async function loadAccountStates(db: Queryable, accountIds: string[]): Promise<Map<string, AccountState>> {
  const states = new Map<string, AccountState>();
  if (accountIds.length === 0) return states;
  const { rows } = await db.query<{ account_id: string; state: unknown }>(
    'SELECT account_id, state FROM account_state WHERE account_id = ANY($1::text[])',
    [accountIds],
  );
  for (const row of rows) states.set(row.account_id, AccountStateSchema.parse(row.state));
  return states;
}

/** Another writer decided one of these transactions first; re-read and re-score the batch. */
export class ConcurrentDecisionError extends Error {
  override name = 'ConcurrentDecisionError';
  readonly retriable = true;
}

const DECISION_COLUMNS = [
  'transaction_id', 'account_id', 'action', 'probability', 'confidence', 'decided_by', 'anomaly', 'rule_hits',
  'evidence', 'transaction', 'facts', 'feature_vector', 'feature_spec_version', 'model_version', 'rules_version',
  'policy_version', 'event_time', 'decided_at', 'latency_ms', 'source_topic', 'source_partition', 'source_offset',
  'scorer_instance',
] as const;

/** A new decision's row, in DECISION_COLUMNS order. */
export function decisionCopyRow(
  { decision, documents, transaction, accountFacts, featureVector, featureSpecVersion, source }: NewDecision,
  scorerInstance: string,
): CopyField[] {
  return [
    decision.transactionId,
    decision.accountId,
    decision.action,
    decision.probability,
    decision.confidence,
    decision.decidedBy,
    documents.anomaly,
    documents.ruleHits,
    documents.evidence,
    JSON.stringify(transaction),
    JSON.stringify(accountFacts),
    featureVector === null ? null : realArrayLiteral(featureVector),
    featureSpecVersion,
    decision.modelVersion,
    decision.rulesVersion,
    decision.policyVersion,
    transaction.timestamp,
    decision.decidedAt,
    decision.latencyMs,
    source.topic,
    source.partition,
    source.offset,
    scorerInstance,
  ];
}

export interface BatchMeta {
  scorerInstance: string;
  topic: string;
  partition: number;
  firstOffset: string;
  lastOffset: string;
}

/**
 * Writes a scored batch: decisions, review items, duplicates, account state and one audit entry,
 * all in the caller's database transaction. If any decision already exists (a second scorer got
 * there first), it throws before anything is committed, so account state never counts twice.
 */
export async function persistScoredBatch(db: Queryable, batch: ScoredBatch, meta: BatchMeta): Promise<void> {
  if (batch.decisions.length > 0) {
    try {
      await copyRows(db, 'decisions', DECISION_COLUMNS, batch.decisions.map((decision) => decisionCopyRow(decision, meta.scorerInstance)));
    } catch (error) {
      // The whole COPY fails on the first transaction already decided, so the batch is retried whole.
      if (isUniqueViolation(error)) {
        throw new ConcurrentDecisionError(`a transaction in this batch was decided by another writer: ${(error as Error).message}`);
      }
      throw error;
    }
    await countMerchantDays(db, meta.partition, batch.decisions.map(({ transaction }) => transaction));
    const reviews = batch.decisions
      .filter(({ decision }) => decision.action === 'review')
      .map(({ decision, transaction }) => ({
        transaction_id: decision.transactionId,
        account_id: decision.accountId,
        priority: reviewPriority(decision.probability, transaction.amount),
      }));
    if (reviews.length > 0) {
      await db.query(
        `INSERT INTO review_items (transaction_id, account_id, priority)
         SELECT transaction_id, account_id, priority
           FROM jsonb_to_recordset($1::jsonb) AS r(transaction_id text, account_id text, priority double precision)`,
        [JSON.stringify(reviews)],
      );
    }
  }
  if (batch.duplicates.length > 0) {
    await db.query(
      `INSERT INTO duplicate_transactions (transaction_id, source_topic, source_partition, source_offset)
       SELECT transaction_id, topic, partition, "offset"
         FROM jsonb_to_recordset($1::jsonb) AS r(transaction_id text, topic text, partition integer, "offset" bigint)
       ON CONFLICT DO NOTHING`,
      [JSON.stringify(batch.duplicates.map(({ transactionId, source }) => ({ transaction_id: transactionId, ...source })))],
    );
  }
  if (batch.states.size > 0) {
    await db.query(
      `INSERT INTO account_state (account_id, state, updated_at)
       SELECT account_id, state, now() FROM json_to_recordset($1::json) AS r(account_id text, state json)
       ON CONFLICT (account_id) DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at`,
      [JSON.stringify([...batch.states].map(([account_id, state]) => ({ account_id, state })))],
    );
  }
  if (batch.decisions.length + batch.duplicates.length > 0) {
    const counts = { approve: 0, decline: 0, review: 0 };
    for (const { decision } of batch.decisions) counts[decision.action]++;
    await appendAudit(db, {
      actor: meta.scorerInstance,
      kind: 'decisions.batch',
      subject: `${meta.topic}/${meta.partition}`,
      payload: {
        ...meta,
        counts,
        duplicates: batch.duplicates.length,
        deadLetters: batch.deadLetters.length,
        transactionIds: batch.decisions.map(({ decision }) => decision.transactionId),
      },
    });
  }
}
