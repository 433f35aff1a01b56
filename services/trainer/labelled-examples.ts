import type pg from 'pg';
import type { LabelValue, RuleHit } from '../domain/index.ts';

/** A labelled decision as training sees it: the latest label of the transaction and what the scorer saw. */
export interface LabelledExample {
  transactionId: string;
  fraud: boolean;
  source: 'review' | 'chargeback';
  /** When the label became known: examples are split by this time, never by event time alone. */
  labeledAt: Date;
  eventTime: Date;
  features: number[];
  ruleHits: RuleHit[];
}

/**
 * Every labelled decision encoded with `featureSpecVersion`, the latest label per transaction
 * (corrections win), oldest label first. Decisions from rules-only scorers have no feature vector
 * and cannot train a head; they are left out.
 */
export async function loadLabelledExamples(db: Pick<pg.Pool, 'query'>, featureSpecVersion: string): Promise<LabelledExample[]> {
  const { rows } = await db.query<{
    transaction_id: string;
    label: LabelValue;
    source: 'review' | 'chargeback';
    labeled_at: Date;
    event_time: Date;
    feature_vector: number[];
    rule_hits: RuleHit[];
  }>(
    `SELECT * FROM (
       SELECT DISTINCT ON (l.transaction_id) l.transaction_id, l.label, l.source, l.labeled_at, d.event_time, d.feature_vector, d.rule_hits
         FROM labels l JOIN decisions d USING (transaction_id)
        WHERE d.feature_spec_version = $1 AND d.feature_vector IS NOT NULL
        ORDER BY l.transaction_id, l.id DESC) latest
      ORDER BY labeled_at, transaction_id`,
    [featureSpecVersion],
  );
  return rows.map((row) => ({
    transactionId: row.transaction_id,
    fraud: row.label === 'fraud',
    source: row.source,
    labeledAt: row.labeled_at,
    eventTime: row.event_time,
    features: row.feature_vector,
    ruleHits: row.rule_hits,
  }));
}
