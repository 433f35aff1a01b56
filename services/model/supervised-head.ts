import { z } from 'zod';
import type { Evidence, RuleHit } from '../domain/index.ts';

/**
 * The supervised head: logistic regression from what the scorer already knows about a transaction
 * (its encoded features, the autoencoder's anomaly, and which signal rules fired) to the log-odds
 * that analysts (or chargebacks) would call it fraud. It is what turns labels into better
 * decisions: the autoencoder sees unusual, the head learns which unusual is fraud here.
 *
 * Features are standardised with the head's own training mean and spread, so a feature's term in
 * an explanation is its pull away from typical traffic. Rule indicators and the anomaly enter raw,
 * so a rule that did not fire contributes nothing and the terms read like the rules-only policy's.
 */
export const LogisticHeadSchema = z.object({
  kind: z.literal('logistic'),
  featureNames: z.array(z.string()),
  ruleNames: z.array(z.string()),
  mean: z.array(z.number()),
  std: z.array(z.number().positive()),
  /** Weights: anomaly first, then one per feature, then one per rule. */
  weights: z.array(z.number()),
  bias: z.number(),
  l2: z.number().nonnegative(),
  examples: z.number().int().nonnegative(),
});
export type LogisticHead = z.infer<typeof LogisticHeadSchema>;

/**
 * Feedback and delayed supervision kept apart, as Dal Pozzolo et al. (2017) do: one head learns
 * from analysts' recent review labels, one from chargebacks that arrive days later, and their
 * log-odds are blended with weight `alpha` on the feedback head. Feedback is few and recent (it
 * follows the current fraud); delayed labels are many and old.
 */
export const FeedbackDelayedHeadSchema = z.object({
  kind: z.literal('feedback-delayed'),
  alpha: z.number().min(0).max(1),
  feedback: LogisticHeadSchema,
  delayed: LogisticHeadSchema,
});

export const SupervisedHeadSchema = z.discriminatedUnion('kind', [LogisticHeadSchema, FeedbackDelayedHeadSchema]);
export type SupervisedHead = z.infer<typeof SupervisedHeadSchema>;

/** The feature names a head reads (for a blended head, both parts read the same ones). */
export const headFeatureNames = (head: SupervisedHead): readonly string[] => (head.kind === 'logistic' ? head.featureNames : head.feedback.featureNames);

/** What the head reads from one scored transaction. */
export interface HeadInput {
  /** The encoded feature row (raw values, in the model's feature order). */
  features: ArrayLike<number>;
  /** Anomaly evidence in log-odds (anomalyLogOdds at weight 1); 0 without a model. */
  anomalyLogOdds: number;
  ruleHits: readonly RuleHit[];
}

export interface HeadTrainingOptions {
  /** L2 penalty on the weights (not the bias), in units of total example weight. */
  l2?: number;
  maxIterations?: number;
}

/** Feature terms named one by one in an explanation; the rest are summed as "other features". */
const NAMED_FEATURE_TERMS = 3;
/** Standardised features are clipped: one absurd value must not dominate the log-odds. */
const Z_CLIP = 8;

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));

function signalRules(hits: readonly RuleHit[]): Set<string> {
  return new Set(hits.filter((hit) => hit.type === 'signal').map((hit) => hit.rule));
}

/** The input row of one example: [anomaly, standardised features…, rule indicators…]. */
function inputRow(head: Pick<LogisticHead, 'featureNames' | 'ruleNames' | 'mean' | 'std'>, input: HeadInput, out: Float64Array): void {
  out[0] = input.anomalyLogOdds;
  const d = head.featureNames.length;
  for (let j = 0; j < d; j++) {
    const z = ((input.features[j] ?? 0) - head.mean[j]!) / head.std[j]!;
    out[1 + j] = Math.max(-Z_CLIP, Math.min(Z_CLIP, Number.isFinite(z) ? z : 0));
  }
  const fired = signalRules(input.ruleHits);
  head.ruleNames.forEach((rule, k) => {
    out[1 + d + k] = fired.has(rule) ? 1 : 0;
  });
}

/** Solves A x = b for a symmetric positive definite A (n × n, row-major) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let sum = a[i * n + j]!;
      for (let k = 0; k < j; k++) sum -= l[i * n + k]! * l[j * n + k]!;
      l[i * n + j] = i === j ? Math.sqrt(Math.max(sum, 1e-12)) : sum / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let sum = b[i]!;
    for (let k = 0; k < i; k++) sum -= l[i * n + k]! * y[k]!;
    y[i] = sum / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let sum = y[i]!;
    for (let k = i + 1; k < n; k++) sum -= l[k * n + i]! * x[k]!;
    x[i] = sum / l[i * n + i]!;
  }
  return x;
}

/**
 * Fits the head by Newton's method (iteratively reweighted least squares) on weighted examples.
 * Deterministic, no learning rate to tune, and a few iterations converge for the ~100 inputs here.
 * `labels[i]` is 1 for fraud; `weights[i]` lets delayed or presumed labels count less than reviews.
 */
export function trainHead(
  featureNames: readonly string[],
  examples: readonly HeadInput[],
  labels: readonly number[],
  weights: readonly number[],
  options: HeadTrainingOptions = {},
): LogisticHead {
  if (examples.length !== labels.length || examples.length !== weights.length) throw new RangeError('examples, labels and weights must have the same length');
  if (!labels.includes(1) || !labels.includes(0)) throw new RangeError('training a head needs at least one fraud and one legitimate example');
  const l2 = options.l2 ?? 1;
  const d = featureNames.length;
  const ruleNames = [...new Set(examples.flatMap((example) => [...signalRules(example.ruleHits)]))].sort();

  const mean = new Array<number>(d).fill(0);
  const std = new Array<number>(d).fill(0);
  let total = 0;
  examples.forEach((example, i) => {
    total += weights[i]!;
    for (let j = 0; j < d; j++) mean[j]! += weights[i]! * (example.features[j] ?? 0);
  });
  for (let j = 0; j < d; j++) mean[j]! /= total;
  examples.forEach((example, i) => {
    for (let j = 0; j < d; j++) std[j]! += weights[i]! * ((example.features[j] ?? 0) - mean[j]!) ** 2;
  });
  for (let j = 0; j < d; j++) std[j] = Math.sqrt(std[j]! / total) || 1;
  const shape = { featureNames: [...featureNames], ruleNames, mean, std };

  // Parameters: [bias, anomaly, features…, rules…]; the bias is not penalised.
  const p = 2 + d + ruleNames.length;
  const rows = examples.map((example) => {
    const row = new Float64Array(p - 1);
    inputRow(shape, example, row);
    return row;
  });
  const w = new Float64Array(p);
  const x = new Float64Array(p);
  for (let iteration = 0; iteration < (options.maxIterations ?? 50); iteration++) {
    const gradient = new Float64Array(p);
    const hessian = new Float64Array(p * p);
    rows.forEach((row, i) => {
      x[0] = 1;
      x.set(row, 1);
      let logit = 0;
      for (let a = 0; a < p; a++) logit += w[a]! * x[a]!;
      const prob = sigmoid(logit);
      const s = weights[i]!;
      const residual = s * (prob - labels[i]!);
      const curvature = s * Math.max(prob * (1 - prob), 1e-9);
      for (let a = 0; a < p; a++) {
        const xa = x[a]!;
        if (xa === 0) continue;
        gradient[a]! += residual * xa;
        for (let b = 0; b <= a; b++) hessian[a * p + b]! += curvature * xa * x[b]!;
      }
    });
    for (let a = 1; a < p; a++) {
      gradient[a]! += l2 * w[a]!;
      hessian[a * p + a]! += l2;
    }
    hessian[0]! += 1e-9;
    for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) hessian[b * p + a] = hessian[a * p + b]!;
    const step = solveSpd(hessian, gradient, p);
    let size = 0;
    for (let a = 0; a < p; a++) {
      w[a]! -= step[a]!;
      size = Math.max(size, Math.abs(step[a]!));
    }
    if (size < 1e-7) break;
  }
  return LogisticHeadSchema.parse({ kind: 'logistic', ...shape, weights: Array.from(w.subarray(1)), bias: w[0]!, l2, examples: examples.length });
}

/**
 * The head's log-odds for one transaction as evidence terms that sum to it exactly: the intercept,
 * the anomaly, each signal rule that fired, the three features that pull hardest, and the rest of
 * the features together. A blended head's terms are its parts' terms, weighted and merged by name.
 */
export function headEvidence(head: SupervisedHead, input: HeadInput): Evidence[] {
  if (head.kind === 'logistic') return logisticEvidence(head, input);
  const merged = new Map<string, Evidence>();
  const add = (terms: Evidence[], weight: number) => {
    for (const term of terms) {
      const key = `${term.source}\u0000${term.name}`;
      const existing = merged.get(key);
      if (existing) existing.logOdds += weight * term.logOdds;
      else merged.set(key, { ...term, logOdds: weight * term.logOdds });
    }
  };
  add(logisticEvidence(head.feedback, input), head.alpha);
  add(logisticEvidence(head.delayed, input), 1 - head.alpha);
  return [...merged.values()];
}

function logisticEvidence(head: LogisticHead, input: HeadInput): Evidence[] {
  const d = head.featureNames.length;
  const row = new Float64Array(1 + d + head.ruleNames.length);
  inputRow(head, input, row);
  const evidence: Evidence[] = [{ source: 'model', name: 'supervised head intercept', logOdds: head.bias }];
  if (input.anomalyLogOdds !== 0) evidence.push({ source: 'anomaly', name: 'reconstruction error percentile', logOdds: head.weights[0]! * row[0]! });
  head.ruleNames.forEach((rule, k) => {
    if (row[1 + d + k] === 1) evidence.push({ source: 'rule', name: rule, logOdds: head.weights[1 + d + k]! });
  });
  const features = head.featureNames.map((name, j) => ({ name, logOdds: head.weights[1 + j]! * row[1 + j]! })).sort((a, b) => Math.abs(b.logOdds) - Math.abs(a.logOdds));
  for (const term of features.slice(0, NAMED_FEATURE_TERMS)) evidence.push({ source: 'model', name: `feature ${term.name}`, logOdds: term.logOdds });
  const rest = features.slice(NAMED_FEATURE_TERMS).reduce((sum, term) => sum + term.logOdds, 0);
  if (features.length > NAMED_FEATURE_TERMS) evidence.push({ source: 'model', name: 'other features', logOdds: rest });
  return evidence;
}
