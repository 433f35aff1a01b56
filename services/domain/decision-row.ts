import type { Decision } from './decision.ts';

/** The `decisions` table's decision columns as pg returns them (decided_at as a Date, or as text when selected so). */
export interface DecisionRow {
  transaction_id: string;
  account_id: string;
  action: Decision['action'];
  probability: number;
  confidence: number;
  decided_by: Decision['decidedBy'];
  anomaly: Decision['anomaly'];
  rule_hits: Decision['ruleHits'];
  evidence: Decision['evidence'];
  model_version: string | null;
  rules_version: string;
  policy_version: string;
  decided_at: Date | string;
  latency_ms: number;
}

/** The decision a stored row holds, as the `decisions` topic carries it. */
export function decisionFromRow(row: DecisionRow): Decision {
  return {
    transactionId: row.transaction_id,
    accountId: row.account_id,
    action: row.action,
    probability: row.probability,
    confidence: row.confidence,
    decidedBy: row.decided_by,
    anomaly: row.anomaly,
    ruleHits: row.rule_hits,
    evidence: row.evidence,
    modelVersion: row.model_version,
    rulesVersion: row.rules_version,
    policyVersion: row.policy_version,
    decidedAt: typeof row.decided_at === 'string' ? row.decided_at : row.decided_at.toISOString(),
    latencyMs: row.latency_ms,
  };
}
