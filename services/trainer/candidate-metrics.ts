import type { Action, Anomaly } from '../domain/index.ts';
import { averagePrecision, precisionAtK } from '../evaluation/metrics.ts';
import type { AnomalyModel } from '../model/anomaly-model.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import { decideWithModel } from '../policy/decide-with-model.ts';
import type { LabelledExample } from './labelled-examples.ts';

export interface CandidateMetrics {
  examples: number;
  frauds: number;
  averagePrecision: number;
  /** Precision among the k examples it ranks riskiest. */
  precisionAtK: number;
  k: number;
  /** Share of examples it would not approve (decline or review): the alert volume it would cause. */
  alertRate: number;
}

/** The autoencoder's verdict on each example's stored feature row, in one kernel call. */
export function assessExamples(model: AnomalyModel, examples: readonly LabelledExample[]): Anomaly[] {
  const width = model.featureSpec.names.length;
  const rows = new Float32Array(examples.length * width);
  examples.forEach((example, i) => rows.set(example.features.slice(0, width), i * width));
  return examples.length === 0 ? [] : model.assess(rows, examples.length);
}

/**
 * How `model` would have decided `examples`, through the scorer's own decision path, measured
 * against their labels. `anomalies` are the model's assessments of the same examples.
 */
export function candidateMetrics(model: AnomalyModel, examples: readonly LabelledExample[], anomalies: readonly Anomaly[], policy: PolicyConfig, k: number): CandidateMetrics {
  const probabilities: number[] = [];
  const actions: Action[] = [];
  examples.forEach((example, i) => {
    const outcome = decideWithModel({ ruleHits: example.ruleHits, anomaly: anomalies[i] ?? null, features: example.features, head: model.head }, policy);
    probabilities.push(outcome.probability);
    actions.push(outcome.action);
  });
  const labels = examples.map((example) => (example.fraud ? 1 : 0));
  const kUsed = Math.min(k, examples.length);
  return {
    examples: examples.length,
    frauds: labels.reduce<number>((sum, label) => sum + label, 0),
    averagePrecision: averagePrecision(probabilities, labels),
    precisionAtK: precisionAtK(probabilities, labels, kUsed),
    k: kUsed,
    alertRate: actions.filter((action) => action !== 'approve').length / Math.max(1, examples.length),
  };
}
