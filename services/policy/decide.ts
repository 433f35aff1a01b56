import { createHash } from 'node:crypto';
import type { Action, Decision, Evidence, RuleHit } from '../domain/index.ts';

export interface PolicyConfig {
  /** Base rate of fraud before any evidence; sets the prior log-odds. */
  priorFraudRate: number;
  /** Below this confidence a decision goes to human review. */
  confidenceThreshold: number;
  /** Log-odds added per decade of anomaly tail probability, measured from the median. */
  anomalyWeight: number;
  /**
   * Never approve automatically at or above this fraud probability, whatever the threshold: such an
   * item goes to review. It bounds what a low threshold (set by the review budget) can let through.
   */
  approveCeiling: number;
}

export interface PolicyInput {
  ruleHits: readonly RuleHit[];
  /** Percentile of the reconstruction error among recent legitimate traffic; null in rules-only mode. */
  anomalyPercentile: number | null;
  /**
   * The supervised head's terms (services/model/supervised-head.ts), when the model has one. They
   * replace the prior, signal-rule and anomaly terms: the head has learned from labels how much
   * each of those is worth here. Hard rules (block, allow, review) still come first.
   */
  head?: readonly Evidence[] | null;
}

export type PolicyOutcome = Pick<Decision, 'action' | 'probability' | 'confidence' | 'decidedBy' | 'evidence'>;

/** Bump when this file changes what a given input decides, so stored decisions name the code that made them. */
const POLICY_REVISION = 2;

/** Identifies the policy code and its parameters; recorded on every decision so it can be replayed. */
export function policyVersion(policy: PolicyConfig): string {
  const digest = createHash('sha256')
    .update(JSON.stringify([policy.priorFraudRate, policy.confidenceThreshold, policy.anomalyWeight, policy.approveCeiling]))
    .digest('hex');
  return `policy-${POLICY_REVISION}-${digest.slice(0, 12)}`;
}

// Percentiles are clamped away from 1 so a single extreme error adds bounded, not infinite, evidence.
const MIN_TAIL = 1e-6;

const logit = (p: number) => Math.log(p / (1 - p));
const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

/**
 * Anomaly evidence in log-odds: zero at the median, `anomalyWeight` per factor of ten the tail shrinks.
 * Percentile 0.99 (tail 0.01) with weight 1.5 adds 1.5 * log10(50) ≈ 2.55; below the median it subtracts.
 */
export function anomalyLogOdds(percentile: number, anomalyWeight: number): number {
  const tail = Math.max(1 - percentile, MIN_TAIL);
  return anomalyWeight * Math.log10(0.5 / tail);
}

/**
 * Combines rule events and the anomaly percentile into a fraud probability, a confidence and an action.
 *
 * Evidence adds in log-odds (naive-Bayes style): prior, each `signal` rule's weight, and the anomaly
 * term. Confidence is the distance of p from the undecided middle, |2p − 1|. Hard rules come first:
 * `block` beats `allow` (failing closed when two analysts' rules disagree), and `review` forces a human.
 * Otherwise a confidence at or above the threshold decides automatically; p = 0.5 counts as decline.
 */
function priorEvidence(input: PolicyInput, policy: PolicyConfig): Evidence[] {
  const evidence: Evidence[] = [{ source: 'prior', name: 'base rate', logOdds: logit(policy.priorFraudRate) }];
  for (const hit of input.ruleHits) {
    if (hit.type === 'signal' && hit.weight !== undefined) {
      evidence.push({ source: 'rule', name: hit.rule, logOdds: hit.weight });
    }
  }
  if (input.anomalyPercentile !== null) {
    evidence.push({
      source: 'anomaly',
      name: 'reconstruction error percentile',
      logOdds: anomalyLogOdds(input.anomalyPercentile, policy.anomalyWeight),
    });
  }
  return evidence;
}

export function decide(input: PolicyInput, policy: PolicyConfig): PolicyOutcome {
  const evidence = input.head ? [...input.head] : priorEvidence(input, policy);
  const probability = sigmoid(evidence.reduce((sum, term) => sum + term.logOdds, 0));
  const confidence = Math.abs(2 * probability - 1);
  const has = (type: RuleHit['type']) => input.ruleHits.some((hit) => hit.type === type);

  const outcome = (action: Action, decidedBy: PolicyOutcome['decidedBy'], conf: number): PolicyOutcome => ({
    action,
    probability,
    confidence: conf,
    decidedBy,
    evidence,
  });
  if (has('block')) return outcome('decline', 'block_rule', 1);
  if (has('allow')) return outcome('approve', 'allow_rule', 1);
  if (has('review')) return outcome('review', 'review_rule', confidence);
  if (confidence < policy.confidenceThreshold) return outcome('review', 'threshold', confidence);
  if (probability < 0.5 && probability >= policy.approveCeiling) return outcome('review', 'approve_ceiling', confidence);
  return outcome(probability >= 0.5 ? 'decline' : 'approve', 'threshold', confidence);
}
