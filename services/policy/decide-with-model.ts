import type { Anomaly, RuleHit } from '../domain/index.ts';
import { headEvidence, type SupervisedHead } from '../model/supervised-head.ts';
import { anomalyLogOdds, decide, type PolicyConfig, type PolicyOutcome } from './decide.ts';

export interface ScoredTransaction {
  ruleHits: readonly RuleHit[];
  /** The autoencoder's verdict; null in rules-only mode. */
  anomaly: Anomaly | null;
  /** The encoded feature row the model saw. */
  features: ArrayLike<number>;
  /** The model's supervised head, if it has one. */
  head: SupervisedHead | null;
}

/**
 * The decision for a transaction the model has scored: through the head's terms when the model has
 * a head, else through the prior, rule and anomaly terms. The scorer and the trainer's candidate
 * evaluation both decide through here, so a candidate is judged exactly as it would score.
 */
export function decideWithModel(input: ScoredTransaction, policy: PolicyConfig): PolicyOutcome {
  const { ruleHits, anomaly } = input;
  const head =
    input.head && anomaly ? headEvidence(input.head, { features: input.features, anomalyLogOdds: anomalyLogOdds(anomaly.percentile, 1), ruleHits }) : null;
  return decide({ ruleHits, anomalyPercentile: anomaly?.percentile ?? null, head }, policy);
}
