import type pg from 'pg';
import type { Anomaly, RuleHit } from '../domain/index.ts';
import type { AnomalyModel } from '../model/anomaly-model.ts';
import { type PolicyConfig, policyVersion } from '../policy/decide.ts';
import { decideWithModel } from '../policy/decide-with-model.ts';
import type { Rule } from '../rules/load-rule-set.ts';
import { createRuleEvaluator } from '../rules/evaluate.ts';
import type { DecisionNode } from './queries/decisions.ts';
import { findPolicyVersions, findRuleSets } from './queries/versions.ts';

/** The parts of a decision a replay recomputes and compares. */
export interface ReplayOutcome {
  action: string;
  decidedBy: string;
  probability: number;
  confidence: number;
  ruleHits: string[];
  anomalyError: number | null;
  anomalyPercentile: number | null;
}

export interface ReplayReport {
  transactionId: string;
  modelVersion: string | null;
  rulesVersion: string;
  policyVersion: string;
  /** True when every compared part agrees (numbers to within TOLERANCE). */
  matches: boolean;
  /** One line per part that differs, or why the decision could not be replayed. */
  differences: string[];
  stored: ReplayOutcome;
  /** Null when a recorded version is missing, so nothing could be recomputed. */
  replayed: ReplayOutcome | null;
}

/**
 * Probabilities and percentiles are recomputed by the same code from the same float32 inputs, so
 * they agree exactly on one backend; another backend (GPU against wasm) may differ in the last bits
 * of the reconstruction error, which this absorbs without hiding a real change.
 */
const TOLERANCE = 1e-6;

const outcomeOf = (decision: Pick<DecisionNode, 'action' | 'decidedBy' | 'probability' | 'confidence'>, ruleHits: readonly RuleHit[], anomaly: Anomaly | null): ReplayOutcome => ({
  action: decision.action,
  decidedBy: decision.decidedBy,
  probability: decision.probability,
  confidence: decision.confidence,
  ruleHits: ruleHits.map((hit) => hit.rule),
  anomalyError: anomaly?.error ?? null,
  anomalyPercentile: anomaly?.percentile ?? null,
});

const close = (a: number | null, b: number | null, relative = false) =>
  a === null || b === null ? a === b : Math.abs(a - b) <= TOLERANCE * (relative ? Math.max(1, Math.abs(a)) : 1);

/** The parts of two outcomes that differ, each as a line a person can read. */
export function compareOutcomes(stored: ReplayOutcome, replayed: ReplayOutcome): string[] {
  const differences: string[] = [];
  const report = (part: string, a: unknown, b: unknown) => differences.push(`${part}: stored ${JSON.stringify(a)}, replayed ${JSON.stringify(b)}`);
  if (stored.action !== replayed.action) report('action', stored.action, replayed.action);
  if (stored.decidedBy !== replayed.decidedBy) report('decidedBy', stored.decidedBy, replayed.decidedBy);
  if (!close(stored.probability, replayed.probability)) report('probability', stored.probability, replayed.probability);
  if (!close(stored.confidence, replayed.confidence)) report('confidence', stored.confidence, replayed.confidence);
  if (stored.ruleHits.join('\n') !== replayed.ruleHits.join('\n')) report('ruleHits', stored.ruleHits, replayed.ruleHits);
  if (!close(stored.anomalyError, replayed.anomalyError, true)) report('anomaly.error', stored.anomalyError, replayed.anomalyError);
  if (!close(stored.anomalyPercentile, replayed.anomalyPercentile)) report('anomaly.percentile', stored.anomalyPercentile, replayed.anomalyPercentile);
  return differences;
}

export interface ReplayDeps {
  db: Pick<pg.Pool, 'query'>;
  /** The model version with this id, loaded (and cached) by the caller; null if it is not in the registry. */
  loadModel(id: string): Promise<AnomalyModel | null>;
}

/**
 * Re-scores a stored decision with the model, rule set and policy versions it records, from the
 * inputs it records: the facts the rules saw and the feature vector the model saw (the account
 * history behind them is not re-derived: the decision row keeps exactly what was seen, which is
 * what makes it replayable). Reports whether the result matches what was stored.
 */
export async function replayDecision(decision: DecisionNode, deps: ReplayDeps): Promise<ReplayReport> {
  const base = {
    transactionId: decision.transactionId,
    modelVersion: decision.modelVersion,
    rulesVersion: decision.rulesVersion,
    policyVersion: decision.policyVersion,
    stored: outcomeOf(decision, decision.ruleHits, decision.anomaly),
  };
  const cannot = (reason: string): ReplayReport => ({ ...base, matches: false, differences: [reason], replayed: null });

  const [policies, ruleSets] = await Promise.all([findPolicyVersions(deps.db, [decision.policyVersion]), findRuleSets(deps.db, [decision.rulesVersion])]);
  const policyRow = policies.get(decision.policyVersion);
  if (!policyRow) return cannot(`policy version ${decision.policyVersion} is not recorded`);
  const policy: PolicyConfig = policyRow.params;
  if (policyVersion(policy) !== decision.policyVersion) {
    return cannot(`policy version ${decision.policyVersion} was made by other policy code than this build's (${policyVersion(policy)} for the same parameters)`);
  }
  const ruleSet = ruleSets.get(decision.rulesVersion);
  if (!ruleSet) return cannot(`rule set ${decision.rulesVersion} is not recorded`);

  // The model is used right after it is loaded, with no await in between: a model cache may
  // dispose of an evicted version at any later turn of the event loop.
  const features = Float32Array.from(decision.featureVector ?? []);
  let scored: { anomaly: Anomaly; head: AnomalyModel['head'] } | null = null;
  if (decision.modelVersion !== null) {
    const model = await deps.loadModel(decision.modelVersion);
    if (!model) return cannot(`model version ${decision.modelVersion} is not in the registry`);
    if (decision.featureVector === null) return cannot('the decision has a model version but no feature vector');
    if (features.length !== model.featureSpec.names.length) {
      return cannot(`the stored feature vector has ${features.length} values; model ${model.version} reads ${model.featureSpec.names.length}`);
    }
    scored = { anomaly: model.assess(features, 1)[0]!, head: model.head };
  }
  const anomaly = scored?.anomaly ?? null;
  const ruleHits = createRuleEvaluator({ rules: ruleSet.rules as Rule[] })(decision.facts);
  const outcome = decideWithModel({ ruleHits, anomaly, features, head: scored?.head ?? null }, policy);
  const replayed = outcomeOf(outcome, ruleHits, anomaly);
  const differences = compareOutcomes(base.stored, replayed);
  return { ...base, matches: differences.length === 0, differences, replayed };
}
