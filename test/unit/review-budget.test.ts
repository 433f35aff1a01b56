import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Decision } from '../../services/domain/index.ts';
import { mulberry32 } from '../../services/model/seeded-random.ts';
import { decide } from '../../services/policy/decide.ts';
import { createReviewBudget } from '../../services/policy/review-budget.ts';

const HOUR = 3_600_000;
const open = { capacityPerHour: 100, minThreshold: 0, maxThreshold: 1 };

function feed(budget: ReturnType<typeof createReviewBudget>, n: number, startMs: number, spanMs: number, decidedBy: Decision['decidedBy'] = 'threshold', seed = 1): void {
  const random = mulberry32(seed);
  for (let i = 0; i < n; i++) budget.observe({ confidence: random(), decidedBy }, startMs + (i * spanMs) / n);
}

describe('review budget controller', () => {
  it('sets the threshold so about the capacity of the least confident items go to review', () => {
    const budget = createReviewBudget(open);
    feed(budget, 1000, 0, HOUR);
    const threshold = budget.threshold()!;
    assert.ok(threshold >= 0.07 && threshold <= 0.11, `100 of 1000 uniform confidences per hour: ${threshold}`);
    const half = createReviewBudget(open, 0.5);
    feed(half, 1000, 0, HOUR);
    assert.ok(half.threshold()! >= 0.03 && half.threshold()! <= 0.06, 'half the partitions, half the capacity');
  });

  it('counts forced reviews against the capacity, and stays within its bounds', () => {
    const budget = createReviewBudget(open);
    feed(budget, 1000, 0, HOUR);
    feed(budget, 60, 0, HOUR, 'review_rule', 2);
    const threshold = budget.threshold()!;
    assert.ok(threshold >= 0.03 && threshold <= 0.05, `60 forced leave room for 40: ${threshold}`);
    const bounded = createReviewBudget({ capacityPerHour: 1_000_000, minThreshold: 0.05, maxThreshold: 0.9 });
    feed(bounded, 1000, 0, HOUR);
    assert.equal(bounded.threshold(), 0.9);
    const starved = createReviewBudget({ capacityPerHour: 0.001, minThreshold: 0.05, maxThreshold: 0.9 });
    feed(starved, 1000, 0, HOUR);
    assert.equal(starved.threshold(), 0.05);
  });

  it('waits for enough traffic and forgets what is more than an hour old', () => {
    const budget = createReviewBudget(open);
    feed(budget, 40, 0, HOUR);
    assert.equal(budget.threshold(), null);
    // An hour of very confident traffic later, the early (uniform) hour no longer counts.
    for (let i = 0; i < 1000; i++) budget.observe({ confidence: 0.995, decidedBy: 'threshold' }, 2 * HOUR + (i * HOUR) / 1000);
    // Counting the uniform hour too, the threshold would be near 0.1; alone, the confident hour lets it
    // rise to just below its confidences, where it reviews nothing and stays within budget.
    assert.equal(budget.threshold(), 0.99);
  });
});

describe('review budget controller at a small capacity', () => {
  it('keeps a partition of one review an hour near it, where an hour of traffic holds a single item of budget', () => {
    // 100 decisions an hour, as one partition of the backtest; the analyst takes one an hour from it.
    for (const capacityPerHour of [0.94, 1, 2]) {
      const budget = createReviewBudget({ capacityPerHour, minThreshold: 0, maxThreshold: 1 });
      const random = mulberry32(5);
      let reviewed = 0;
      for (let i = 0; i < 100 * 72; i++) {
        const atMs = (i * HOUR) / 100;
        const confidence = random();
        const threshold = budget.threshold();
        if (atMs >= 24 * HOUR && threshold !== null && confidence < threshold) reviewed++;
        budget.observe({ confidence, decidedBy: 'threshold' }, atMs);
      }
      const perHour = reviewed / 48;
      assert.ok(perHour >= 0.75 * capacityPerHour && perHour <= 1.25 * capacityPerHour, `capacity ${capacityPerHour} an hour: ${perHour.toFixed(2)} reviewed an hour`);
    }
  });
});

describe('approve ceiling', () => {
  it('sends a confident approval to review when its probability is at or above the ceiling', () => {
    const policy = { priorFraudRate: 0.3, confidenceThreshold: 0.1, anomalyWeight: 1.5, approveCeiling: 0.25 };
    const high = decide({ ruleHits: [], anomalyPercentile: null }, policy);
    assert.deepEqual([high.action, high.decidedBy], ['review', 'approve_ceiling']);
    const low = decide({ ruleHits: [], anomalyPercentile: null }, { ...policy, priorFraudRate: 0.1 });
    assert.deepEqual([low.action, low.decidedBy], ['approve', 'threshold']);
  });
});
