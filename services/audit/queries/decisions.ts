import type pg from 'pg';
import { type Action, type Decision, decisionFromRow, type DecisionRow, type Transaction } from '../../domain/index.ts';
import { type AccountFacts, factsOf, type TransactionFacts } from '../../features/account-state.ts';
import { type Connection, decodeCursor, TimeAndKeyCursor, type Page, toConnection } from '../pagination.ts';
import { isoMicros, SqlFilter } from './sql-filter.ts';

type Queryable = Pick<pg.Pool, 'query'>;

/** A stored decision with what the audit API shows beside it: the inputs it saw and where it came from. */
export interface DecisionNode extends Decision {
  transaction: Transaction;
  facts: TransactionFacts;
  featureVector: number[] | null;
  featureSpecVersion: string | null;
  eventTime: string;
  source: { topic: string; partition: number; offset: string };
  scorerInstance: string;
}

export interface DecisionFilter {
  accountId?: string | null;
  action?: Action | null;
  ruleHit?: string | null;
  modelVersion?: string | null;
  from?: string | null;
  to?: string | null;
}

interface AuditDecisionRow extends DecisionRow {
  decided_at: string;
  transaction: Transaction;
  facts: AccountFacts;
  feature_vector: number[] | null;
  feature_spec_version: string | null;
  event_time: string;
  source_topic: string;
  source_partition: number;
  source_offset: string;
  scorer_instance: string;
}

const COLUMNS = `transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence,
  transaction, facts, feature_vector, feature_spec_version, model_version, rules_version, policy_version,
  ${isoMicros('event_time')} AS event_time, ${isoMicros('decided_at')} AS decided_at, latency_ms,
  source_topic, source_partition, source_offset, scorer_instance`;

const toNode = (row: AuditDecisionRow): DecisionNode => ({
  ...decisionFromRow(row),
  transaction: row.transaction,
  facts: factsOf(row.transaction, row.facts),
  featureVector: row.feature_vector,
  featureSpecVersion: row.feature_spec_version,
  eventTime: row.event_time,
  source: { topic: row.source_topic, partition: row.source_partition, offset: String(row.source_offset) },
  scorerInstance: row.scorer_instance,
});

export async function findDecisions(db: Queryable, transactionIds: readonly string[]): Promise<Map<string, DecisionNode>> {
  if (transactionIds.length === 0) return new Map();
  const { rows } = await db.query<AuditDecisionRow>(`SELECT ${COLUMNS} FROM decisions WHERE transaction_id = ANY($1)`, [transactionIds]);
  return new Map(rows.map((row) => [row.transaction_id, toNode(row)]));
}

/** Decisions newest first (by when they were made), filtered; keyset-paginated. */
export async function listDecisions(db: Queryable, filter: DecisionFilter, page: Page): Promise<Connection<DecisionNode>> {
  const where = new SqlFilter()
    .optional('account_id = ?', filter.accountId)
    .optional('action = ?', filter.action)
    .optional('model_version = ?', filter.modelVersion)
    .optional('rule_hits @> ?::jsonb', filter.ruleHit == null ? null : JSON.stringify([{ rule: filter.ruleHit }]))
    .optional('decided_at >= ?::timestamptz', filter.from)
    .optional('decided_at < ?::timestamptz', filter.to);
  if (page.after) {
    const [decidedAt, transactionId] = decodeCursor(page.after, TimeAndKeyCursor);
    where.add('(decided_at, transaction_id) < (?::timestamptz, ?)', decidedAt, transactionId);
  }
  const { rows } = await db.query<AuditDecisionRow>(
    `SELECT ${COLUMNS} FROM decisions ${where.where} ORDER BY decisions.decided_at DESC, decisions.transaction_id DESC LIMIT ${where.param(page.first + 1)}`,
    where.params,
  );
  return toConnection(rows.map(toNode), page, (node) => [node.decidedAt, node.transactionId]);
}

export interface ActionCounts {
  approve: number;
  decline: number;
  review: number;
}

export async function countDecisionsByAction(db: Queryable, modelVersion: string): Promise<ActionCounts> {
  const { rows } = await db.query<{ action: Action; n: string }>(
    'SELECT action, count(*) AS n FROM decisions WHERE model_version = $1 GROUP BY action',
    [modelVersion],
  );
  const counts: ActionCounts = { approve: 0, decline: 0, review: 0 };
  for (const row of rows) counts[row.action] = Number(row.n);
  return counts;
}

export interface ReviewItemNode {
  id: string;
  transactionId: string;
  status: string;
  priority: number;
  claimedBy: string | null;
  leaseExpiresAt: Date | null;
  assignedTo: string | null;
  escalatedBy: string | null;
  escalatedAt: Date | null;
  note: string | null;
  skipCount: number;
  createdAt: Date;
  resolvedAt: Date | null;
}

export async function findReviewItems(db: Queryable, transactionIds: readonly string[]): Promise<Map<string, ReviewItemNode>> {
  if (transactionIds.length === 0) return new Map();
  const { rows } = await db.query<ReviewItemNode>(
    `SELECT id::text AS "id", transaction_id AS "transactionId", status, priority, claimed_by AS "claimedBy",
            lease_expires_at AS "leaseExpiresAt", assigned_to AS "assignedTo", escalated_by AS "escalatedBy",
            escalated_at AS "escalatedAt", note, skip_count AS "skipCount", created_at AS "createdAt", resolved_at AS "resolvedAt"
       FROM review_items WHERE transaction_id = ANY($1)`,
    [transactionIds],
  );
  return new Map(rows.map((row) => [row.transactionId, row]));
}
