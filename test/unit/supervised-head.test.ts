import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RuleHit } from '../../services/domain/index.ts';
import { rocAuc } from '../../services/evaluation/metrics.ts';
import { headEvidence, type HeadInput, trainHead } from '../../services/model/supervised-head.ts';
import { decide } from '../../services/policy/decide.ts';
import { mulberry32 } from '../../services/model/seeded-random.ts';

const NAMES = ['log_amount', 'hour_sin', 'count_1h'];
const hit = (rule: string): RuleHit => ({ rule, type: 'signal', reason: rule, weight: 1 });

/** Fraud is a large amount at night; the anomaly is noise; a rule fires on half the frauds. */
function dataset(n: number, seed: number): { examples: HeadInput[]; labels: number[] } {
  const random = mulberry32(seed);
  const examples: HeadInput[] = [];
  const labels: number[] = [];
  for (let i = 0; i < n; i++) {
    const fraud = random() < 0.2;
    const amount = fraud ? 6 + random() : 3 + 2 * random();
    examples.push({
      features: [amount, fraud ? -0.9 + 0.2 * random() : 2 * random() - 1, Math.floor(random() * 3)],
      anomalyLogOdds: 4 * random() - 2,
      ruleHits: fraud && random() < 0.5 ? [hit('night-spend')] : random() < 0.05 ? [hit('new-device')] : [],
    });
    labels.push(fraud ? 1 : 0);
  }
  return { examples, labels };
}

describe('supervised head', () => {
  it('learns a pattern from labels and ranks held-out traffic by it', () => {
    const train = dataset(600, 1);
    const test = dataset(400, 2);
    const head = trainHead(NAMES, train.examples, train.labels, train.labels.map(() => 1));
    const scores = test.examples.map((example) => headEvidence(head, example).reduce((sum, term) => sum + term.logOdds, 0));
    assert.ok(rocAuc(scores, test.labels) > 0.97, `AUC ${rocAuc(scores, test.labels)}`);
    assert.deepEqual(head.ruleNames, ['new-device', 'night-spend']);
    assert.ok(head.weights[1]! > 0, 'a larger amount pushes toward fraud');
  });

  it('is deterministic, and its terms sum to its log-odds with only fired rules named', () => {
    const { examples, labels } = dataset(300, 3);
    const weights = labels.map(() => 1);
    assert.deepEqual(trainHead(NAMES, examples, labels, weights), trainHead(NAMES, examples, labels, weights));
    const head = trainHead(NAMES, examples, labels, weights);
    const quiet = headEvidence(head, { features: [3, 0, 1], anomalyLogOdds: 0, ruleHits: [] });
    assert.equal(quiet.filter((term) => term.source === 'rule').length, 0, 'a rule that did not fire adds nothing');
    assert.equal(quiet.filter((term) => term.source === 'anomaly').length, 0);
    const loud = headEvidence(head, { features: [7, -0.8, 2], anomalyLogOdds: 3, ruleHits: [hit('night-spend')] });
    assert.deepEqual(loud.map((t) => t.source).slice(0, 3), ['model', 'anomaly', 'rule']);
    const outcome = decide({ ruleHits: [hit('night-spend')], anomalyPercentile: 0.99, head: loud }, { priorFraudRate: 0.01, confidenceThreshold: 0.6, anomalyWeight: 1.5, approveCeiling: 0.25 });
    const logOdds = loud.reduce((sum, term) => sum + term.logOdds, 0);
    assert.ok(Math.abs(outcome.probability - 1 / (1 + Math.exp(-logOdds))) < 1e-12, 'the policy decides from the head terms');
    assert.equal(outcome.action, 'decline');
  });

  it('blends a feedback head and a delayed head in log-odds, with terms that still sum exactly', () => {
    const feedbackData = dataset(200, 5);
    const delayedData = dataset(400, 6);
    const feedback = trainHead(NAMES, feedbackData.examples, feedbackData.labels, feedbackData.labels.map(() => 1));
    const delayed = trainHead(NAMES, delayedData.examples, delayedData.labels, delayedData.labels.map(() => 1));
    const blended = { kind: 'feedback-delayed' as const, alpha: 0.3, feedback, delayed };
    const input = { features: [7, -0.8, 2], anomalyLogOdds: 2, ruleHits: [hit('night-spend')] };
    const sum = (terms: Array<{ logOdds: number }>) => terms.reduce((total, term) => total + term.logOdds, 0);
    const expected = 0.3 * sum(headEvidence(feedback, input)) + 0.7 * sum(headEvidence(delayed, input));
    const terms = headEvidence(blended, input);
    assert.ok(Math.abs(sum(terms) - expected) < 1e-9);
    assert.equal(terms.filter((term) => term.source === 'rule' && term.name === 'night-spend').length, 1, 'the same term of both parts is merged');
  });

  it('refuses to train without both classes', () => {
    const { examples } = dataset(10, 4);
    assert.throws(() => trainHead(NAMES, examples, examples.map(() => 0), examples.map(() => 1)), /at least one fraud/);
  });
});
