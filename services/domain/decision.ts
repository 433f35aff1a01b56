import { z } from 'zod';
import { Identifier } from './transaction.ts';

export const ACTIONS = ['approve', 'decline', 'review'] as const;
export const Action = z.enum(ACTIONS);
export type Action = z.infer<typeof Action>;

export const RULE_EVENT_TYPES = ['block', 'allow', 'review', 'signal'] as const;
export const RuleEventType = z.enum(RULE_EVENT_TYPES);
export type RuleEventType = z.infer<typeof RuleEventType>;

export const RuleHitSchema = z.object({
  rule: z.string(),
  type: RuleEventType,
  reason: z.string(),
  /** Log-odds of evidence a `signal` adds; absent for block/allow/review. */
  weight: z.number().optional(),
});
export type RuleHit = z.infer<typeof RuleHitSchema>;

export const FeatureContributionSchema = z.object({ feature: z.string(), error: z.number() });
export type FeatureContribution = z.infer<typeof FeatureContributionSchema>;

export const AnomalySchema = z.object({
  error: z.number(),
  /** Share of recent legitimate traffic with a smaller reconstruction error, in [0, 1]. */
  percentile: z.number().min(0).max(1),
  topFeatures: z.array(FeatureContributionSchema),
});
export type Anomaly = z.infer<typeof AnomalySchema>;

/** One term of the policy's log-odds sum, so a reader can see what moved the probability. */
export const EvidenceSchema = z.object({
  /** `model`: a term of the supervised head (its intercept, or a feature's pull). */
  source: z.enum(['prior', 'rule', 'anomaly', 'model']),
  name: z.string(),
  logOdds: z.number(),
});
export type Evidence = z.infer<typeof EvidenceSchema>;

export const DecisionSchema = z.object({
  transactionId: Identifier,
  accountId: Identifier,
  action: Action,
  probability: z.number().min(0).max(1),
  confidence: z.number().min(0).max(1),
  /** Why the action was taken: a rule that decided outright, or the confidence threshold. */
  decidedBy: z.enum(['block_rule', 'allow_rule', 'review_rule', 'threshold', 'approve_ceiling']),
  anomaly: AnomalySchema.nullable(),
  ruleHits: z.array(RuleHitSchema),
  evidence: z.array(EvidenceSchema),
  modelVersion: z.string().nullable(),
  rulesVersion: z.string(),
  policyVersion: z.string(),
  decidedAt: z.iso.datetime({ offset: true }),
  latencyMs: z.number().min(0),
});
export type Decision = z.infer<typeof DecisionSchema>;
