import type pg from 'pg';
import type { FeatureContribution, Label, ReviewItem, Transaction } from '../domain/index.ts';
import { type AccountFacts, factsOf, type TransactionFacts } from '../features/account-state.ts';
import { LABEL_COLUMNS, toLabel } from '../labels/record-label.ts';
import { ReviewError } from './errors.ts';
import { type FeatureBaseline, featureBaselines } from './feature-baselines.ts';
import { REVIEW_ITEM_COLUMNS, type ReviewItemRow, toReviewItem } from './queue/review-item-row.ts';

export interface DecisionView {
  transactionId: string;
  accountId: string;
  transaction: Transaction;
  action: string;
  probability: number;
  confidence: number;
  decidedBy: string;
  ruleHits: unknown;
  anomaly: unknown;
  evidence: unknown;
  facts: TransactionFacts;
  modelVersion: string | null;
  rulesVersion: string;
  policyVersion: string;
  /** The confidence threshold of that policy version: below it the decision went to review. */
  confidenceThreshold: number | null;
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
  /** The anomaly's top features next to the account's usual values and the training mean. */
  features: FeatureBaseline[];
  /** The account's last 20 decisions, newest first (this one included). */
  history: HistoryEntry[];
  /** Every label of this transaction, oldest first; the last one counts. */
  labels: Label[];
}

/** Earlier decisions whose vectors describe the account's normal for the feature view. */
const BASELINE_DECISIONS = 50;

interface DecisionRow {
  transaction_id: string;
  account_id: string;
  transaction: Transaction;
  action: string;
  probability: number;
  confidence: number;
  decided_by: string;
  rule_hits: unknown;
  anomaly: unknown;
  evidence: unknown;
  facts: AccountFacts;
  feature_vector: number[] | null;
  model_version: string | null;
  rules_version: string;
  policy_version: string;
  confidence_threshold: number | null;
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
            evidence, facts, feature_vector, model_version, rules_version, policy_version, feature_spec_version, event_time, decided_at,
            (p.params->>'confidenceThreshold')::float8 AS confidence_threshold
       FROM decisions d LEFT JOIN policy_versions p ON p.version = d.policy_version WHERE transaction_id = $1`,
    [item.transaction_id],
  );
  const d = decisions.rows[0]!; // review_items.transaction_id references decisions
  const history = await db.query<{ transaction_id: string; action: string; probability: number; amount: unknown; currency: unknown; event_time: Date }>(
    `SELECT transaction_id, action, probability, transaction->'amount' AS amount, transaction->'currency' AS currency, event_time
       FROM decisions WHERE account_id = $1 ORDER BY event_time DESC LIMIT 20`,
    [d.account_id],
  );
  const labels = await db.query(`SELECT ${LABEL_COLUMNS} FROM labels WHERE transaction_id = $1 ORDER BY id`, [d.transaction_id]);
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
      facts: factsOf(d.transaction, d.facts),
      modelVersion: d.model_version,
      rulesVersion: d.rules_version,
      policyVersion: d.policy_version,
      confidenceThreshold: d.confidence_threshold,
      featureSpecVersion: d.feature_spec_version,
      eventTime: d.event_time.toISOString(),
      decidedAt: d.decided_at.toISOString(),
    },
    features: await loadFeatureBaselines(db, d),
    labels: labels.rows.map(toLabel),
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

async function loadFeatureBaselines(db: pg.Pool, d: DecisionRow): Promise<FeatureBaseline[]> {
  const topFeatures = (d.anomaly as { topFeatures?: FeatureContribution[] } | null)?.topFeatures ?? [];
  if (topFeatures.length === 0 || d.model_version === null) return [];
  const models = await db.query<{ names: string[] | null; mean: number[] | null }>(
    `SELECT manifest->'featureNames' AS names, manifest->'normalisation'->'mean' AS mean FROM model_versions WHERE id = $1`,
    [d.model_version],
  );
  const model = models.rows[0];
  const earlier = await db.query<{ feature_vector: number[] }>(
    `SELECT feature_vector FROM decisions
      WHERE account_id = $1 AND feature_spec_version IS NOT DISTINCT FROM $2 AND event_time < $3 AND feature_vector IS NOT NULL
      ORDER BY event_time DESC LIMIT ${BASELINE_DECISIONS}`,
    [d.account_id, d.feature_spec_version, d.event_time],
  );
  return featureBaselines(topFeatures, model?.names ?? [], d.feature_vector, earlier.rows.map((row) => row.feature_vector), model?.mean ?? null);
}
