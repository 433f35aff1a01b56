import type pg from 'pg';
import type { ReviewItem } from '../domain/index.ts';
import { ReviewError } from './errors.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './queue/review-item-row.ts';

export interface DecisionView {
  transactionId: string;
  accountId: string;
  transaction: unknown;
  action: string;
  probability: number;
  confidence: number;
  decidedBy: string;
  ruleHits: unknown;
  anomaly: unknown;
  evidence: unknown;
  facts: unknown;
  modelVersion: string | null;
  rulesVersion: string;
  policyVersion: string;
  featureSpecVersion: string | null;
  eventTime: string;
  decidedAt: string;
}

export interface HistoryEntry {
  transactionId: string;
  action: string;
  probability: number;
  amount: unknown;
  currency: unknown;
  eventTime: string;
}

export interface ItemDetails {
  item: ReviewItem;
  decision: DecisionView;
  /** The account's last 20 decisions, newest first (this one included). */
  history: HistoryEntry[];
}

interface DecisionRow {
  transaction_id: string;
  account_id: string;
  transaction: unknown;
  action: string;
  probability: number;
  confidence: number;
  decided_by: string;
  rule_hits: unknown;
  anomaly: unknown;
  evidence: unknown;
  facts: unknown;
  model_version: string | null;
  rules_version: string;
  policy_version: string;
  feature_spec_version: string | null;
  event_time: Date;
  decided_at: Date;
}

export async function getItemDetails(db: pg.Pool, itemId: number): Promise<ItemDetails> {
  const items = await db.query<ReviewItemRow>(`SELECT ${REVIEW_ITEM_COLUMNS} FROM review_items WHERE id = $1`, [itemId]);
  const item = items.rows[0];
  if (!item) throw new ReviewError('NOT_FOUND', `review item ${itemId} does not exist`);
  const decisions = await db.query<DecisionRow>(
    `SELECT transaction_id, account_id, transaction, action, probability, confidence, decided_by, rule_hits, anomaly,
            evidence, facts, model_version, rules_version, policy_version, feature_spec_version, event_time, decided_at
       FROM decisions WHERE transaction_id = $1`,
    [item.transaction_id],
  );
  const d = decisions.rows[0]!; // review_items.transaction_id references decisions
  const history = await db.query<{ transaction_id: string; action: string; probability: number; amount: unknown; currency: unknown; event_time: Date }>(
    `SELECT transaction_id, action, probability, transaction->'amount' AS amount, transaction->'currency' AS currency, event_time
       FROM decisions WHERE account_id = $1 ORDER BY event_time DESC LIMIT 20`,
    [d.account_id],
  );
  return {
    item: toReviewItem(item),
    decision: {
      transactionId: d.transaction_id,
      accountId: d.account_id,
      transaction: d.transaction,
      action: d.action,
      probability: d.probability,
      confidence: d.confidence,
      decidedBy: d.decided_by,
      ruleHits: d.rule_hits,
      anomaly: d.anomaly,
      evidence: d.evidence,
      facts: d.facts,
      modelVersion: d.model_version,
      rulesVersion: d.rules_version,
      policyVersion: d.policy_version,
      featureSpecVersion: d.feature_spec_version,
      eventTime: d.event_time.toISOString(),
      decidedAt: d.decided_at.toISOString(),
    },
    history: history.rows.map((row) => ({
      transactionId: row.transaction_id,
      action: row.action,
      probability: row.probability,
      amount: row.amount,
      currency: row.currency,
      eventTime: row.event_time.toISOString(),
    })),
  };
}
