import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleHit } from '../../services/domain/index.ts';
import { anomalyLogOdds, decide, type PolicyConfig, policyVersion } from '../../services/policy/decide.ts';
import { reviewPriority } from '../../services/policy/review-priority.ts';

const policy: PolicyConfig = { priorFraudRate: 0.01, confidenceThreshold: 0.6, anomalyWeight: 1.5, approveCeiling: 0.25 };
const signal = (rule: string, weight: number): RuleHit => ({ rule, type: 'signal', reason: rule, weight });
const hard = (rule: string, type: 'block' | 'allow' | 'review'): RuleHit => ({ rule, type, reason: rule });
const logit = (p: number) => Math.log(p / (1 - p));

describe('decide', () => {
  it('approves confidently with no evidence: the prior alone is far from the middle', () => {
    const outcome = decide({ ruleHits: [], anomalyPercentile: null }, policy);
    assert.equal(outcome.action, 'approve');
    assert.equal(outcome.decidedBy, 'threshold');
    assert.ok(Math.abs(outcome.probability - 0.01) < 1e-12);
    assert.ok(Math.abs(outcome.confidence - 0.98) < 1e-12);
    assert.deepEqual(outcome.evidence.map((e) => e.source), ['prior']);
  });

  it('adds signal weights in log-odds and lists each as evidence', () => {
    const outcome = decide({ ruleHits: [signal('a', 2), signal('b', 3)], anomalyPercentile: null }, policy);
    const expected = 1 / (1 + Math.exp(-(logit(0.01) + 5)));
    assert.ok(Math.abs(outcome.probability - expected) < 1e-12);
    assert.deepEqual(
      outcome.evidence.map((e) => [e.source, e.name]),
      [['prior', 'base rate'], ['rule', 'a'], ['rule', 'b']],
    );
  });

  it('sends uncertain cases to review and declines confident fraud', () => {
    const uncertain = decide({ ruleHits: [signal('s', 4.6)], anomalyPercentile: null }, policy);
    assert.equal(uncertain.action, 'review');
    assert.ok(uncertain.confidence < policy.confidenceThreshold);
    const fraud = decide({ ruleHits: [signal('s', 10)], anomalyPercentile: null }, policy);
    assert.equal(fraud.action, 'decline');
    assert.ok(fraud.confidence >= policy.confidenceThreshold);
  });

  it('decides automatically at exactly the threshold and reviews just below it', () => {
    // p = 0.8 gives confidence 0.6 exactly; choose the weight that lands there.
    const weightFor = (p: number) => logit(p) - logit(0.01);
    const at = decide({ ruleHits: [signal('s', weightFor(0.8))], anomalyPercentile: null }, policy);
    assert.ok(Math.abs(at.confidence - 0.6) < 1e-9);
    const exact = decide({ ruleHits: [signal('s', weightFor(0.8))], anomalyPercentile: null }, { ...policy, confidenceThreshold: at.confidence });
    assert.equal(exact.action, 'decline');
    const below = decide({ ruleHits: [signal('s', weightFor(0.8))], anomalyPercentile: null }, { ...policy, confidenceThreshold: at.confidence + 1e-9 });
    assert.equal(below.action, 'review');
  });

  it('treats p = 0.5 as decline when the threshold is zero, and as review otherwise', () => {
    const even = { ruleHits: [signal('s', -logit(0.01))], anomalyPercentile: null };
    assert.equal(decide(even, { ...policy, confidenceThreshold: 0 }).action, 'decline');
    assert.equal(decide(even, policy).action, 'review');
  });

  it('lets block beat allow, allow beat review, and review beat a confident threshold', () => {
    assert.equal(decide({ ruleHits: [hard('a', 'allow'), hard('b', 'block')], anomalyPercentile: null }, policy).decidedBy, 'block_rule');
    const allowed = decide({ ruleHits: [hard('r', 'review'), hard('a', 'allow'), signal('s', 15)], anomalyPercentile: null }, policy);
    assert.deepEqual([allowed.action, allowed.decidedBy, allowed.confidence], ['approve', 'allow_rule', 1]);
    const reviewed = decide({ ruleHits: [hard('r', 'review')], anomalyPercentile: null }, policy);
    assert.deepEqual([reviewed.action, reviewed.decidedBy], ['review', 'review_rule']);
    const blocked = decide({ ruleHits: [hard('b', 'block')], anomalyPercentile: 0 }, policy);
    assert.deepEqual([blocked.action, blocked.confidence], ['decline', 1]);
  });

  it('ignores the anomaly term in rules-only mode and uses it when present', () => {
    const rulesOnly = decide({ ruleHits: [], anomalyPercentile: null }, policy);
    assert.equal(rulesOnly.evidence.some((e) => e.source === 'anomaly'), false);
    const median = decide({ ruleHits: [], anomalyPercentile: 0.5 }, policy);
    assert.ok(Math.abs(median.probability - rulesOnly.probability) < 1e-12);
    const extreme = decide({ ruleHits: [signal('s', 3)], anomalyPercentile: 0.9999 }, policy);
    assert.ok(extreme.probability > decide({ ruleHits: [signal('s', 3)], anomalyPercentile: null }, policy).probability);
  });

  it('bounds anomaly evidence at percentile 1 and makes it negative below the median', () => {
    assert.ok(Number.isFinite(anomalyLogOdds(1, 1.5)));
    assert.ok(Math.abs(anomalyLogOdds(1, 1.5) - 1.5 * Math.log10(0.5 / 1e-6)) < 1e-9);
    assert.ok(Math.abs(anomalyLogOdds(0.99, 1.5) - 1.5 * Math.log10(50)) < 1e-9);
    assert.ok(anomalyLogOdds(0.1, 1.5) < 0);
    assert.equal(anomalyLogOdds(0.5, 1.5), 0);
  });

  it('keeps probability and confidence inside [0, 1] for extreme weights', () => {
    for (const weight of [-1000, -20, 0, 20, 1000]) {
      const { probability, confidence } = decide({ ruleHits: [signal('s', weight)], anomalyPercentile: 1 }, policy);
      assert.ok(probability >= 0 && probability <= 1, `p=${probability}`);
      assert.ok(confidence >= 0 && confidence <= 1, `c=${confidence}`);
    }
  });
});

describe('policyVersion', () => {
  it('is stable for the same parameters and changes with any of them', () => {
    assert.equal(policyVersion(policy), policyVersion({ ...policy }));
    assert.notEqual(policyVersion(policy), policyVersion({ ...policy, confidenceThreshold: 0.7 }));
    assert.notEqual(policyVersion(policy), policyVersion({ ...policy, anomalyWeight: 1 }));
    assert.match(policyVersion(policy), /^policy-\d+-[0-9a-f]{12}$/);
  });
});

describe('reviewPriority', () => {
  it('ranks higher probability first and, at equal probability, larger amounts', () => {
    assert.ok(reviewPriority(0.6, 10) > reviewPriority(0.4, 10));
    assert.ok(reviewPriority(0.5, 5000) > reviewPriority(0.5, 50));
    assert.equal(reviewPriority(0.5, -10), reviewPriority(0.5, 0));
  });
});
