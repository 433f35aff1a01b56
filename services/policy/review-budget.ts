import type { Decision } from '../domain/index.ts';

export interface ReviewBudgetConfig {
  /** Items analysts can review per hour of traffic, across every scorer. */
  capacityPerHour: number;
  /** The threshold never leaves [minThreshold, maxThreshold], whatever the traffic does. */
  minThreshold: number;
  maxThreshold: number;
}

/**
 * How far back the controller looks (event time): an hour, or longer where an hour's budget is
 * under MIN_BUDGET_ITEMS items (a partition of a small team's traffic). With a budget of one item an
 * hour the threshold jumped between its bounds from one batch to the next, and reviews ran 30 % under
 * or 60 % over capacity; ten items make it a steady quantile. Twenty lagged behind traffic whose
 * mix changes over hours (the simulator's, in test/integration/scorer-review-budget.test.ts: 119–162
 * threshold reviews where about 96 fit, against 93–128 with ten, over models that differed by the
 * time of day of the run; its fixed model now gets 95 where 88 fit). At most a week.
 */
const MIN_WINDOW_MINUTES = 60;
const MAX_WINDOW_MINUTES = 7 * 24 * 60;
const MIN_BUDGET_ITEMS = 10;
/** The window is kept in about this many buckets, whatever its length. */
const BUCKETS = 60;
/** The fewest decisions it acts on. */
const MIN_OBSERVATIONS = 50;
/** Confidences are counted in bins of 0.01, so thresholds move in steps of 0.01 and policy versions stay few. */
const BINS = 100;

interface Bucket {
  /** Threshold-decided items by confidence bin. */
  bins: Uint32Array;
  /** Items reviewed whatever the threshold (a review rule, or the approve ceiling). */
  forced: number;
  total: number;
}

export interface ReviewBudget {
  /** Records a decision made at event time `atMs`. */
  observe(decision: Pick<Decision, 'confidence' | 'decidedBy'>, atMs: number): void;
  /**
   * The confidence threshold that would have sent about `capacityPerHour × share` items an hour to
   * review over the window; null until there is enough traffic to say.
   */
  threshold(): number | null;
}

/**
 * Holds review volume near the analysts' capacity by moving the confidence threshold. `share` is
 * this controller's part of the traffic (one partition of all). Items a rule or the approve ceiling
 * sends to review use up capacity first; the rest of the budget goes to the least confident of the
 * threshold-decided items, so the threshold is that quantile of their confidences, taken at the bin
 * edge whose count is nearest the budget (always rounding down reviewed too few). Counts live in
 * time buckets of confidence bins, with running totals: constant memory and time at any traffic
 * rate. Event time, not wall-clock time, so a replay behaves as live traffic would.
 */
export function createReviewBudget(config: ReviewBudgetConfig, share = 1): ReviewBudget {
  const capacity = config.capacityPerHour * share;
  const windowMinutes = Math.min(MAX_WINDOW_MINUTES, Math.max(MIN_WINDOW_MINUTES, Math.ceil((60 * MIN_BUDGET_ITEMS) / capacity)));
  const bucketMs = Math.max(1, Math.round(windowMinutes / BUCKETS)) * 60_000;
  const windowBuckets = Math.ceil((windowMinutes * 60_000) / bucketMs);
  const buckets = new Map<number, Bucket>();
  const sum: Bucket = { bins: new Uint32Array(BINS), forced: 0, total: 0 };
  let newest = Number.NEGATIVE_INFINITY;
  const drop = (key: number) => {
    const bucket = buckets.get(key)!;
    for (let i = 0; i < BINS; i++) sum.bins[i]! -= bucket.bins[i]!;
    sum.forced -= bucket.forced;
    sum.total -= bucket.total;
    buckets.delete(key);
  };
  return {
    observe(decision, atMs) {
      const key = Math.floor(atMs / bucketMs);
      if (key <= newest - windowBuckets) return;
      if (key > newest) {
        newest = key;
        for (const old of buckets.keys()) if (old <= newest - windowBuckets) drop(old);
      }
      let bucket = buckets.get(key);
      if (bucket === undefined) {
        bucket = { bins: new Uint32Array(BINS), forced: 0, total: 0 };
        buckets.set(key, bucket);
      }
      bucket.total += 1;
      sum.total += 1;
      if (decision.decidedBy === 'review_rule' || decision.decidedBy === 'approve_ceiling') {
        bucket.forced += 1;
        sum.forced += 1;
      } else if (decision.decidedBy === 'threshold') {
        const bin = Math.min(BINS - 1, Math.floor(decision.confidence * BINS));
        bucket.bins[bin]! += 1;
        sum.bins[bin]! += 1;
      }
    },
    threshold() {
      if (sum.total < MIN_OBSERVATIONS) return null;
      const oldest = Math.min(...buckets.keys());
      const hours = ((newest - oldest + 1) * bucketMs) / 3_600_000;
      const budget = capacity * hours - sum.forced;
      // Reviewing every item below t = e/100 reviews bins 0..e-1: take the highest edge e whose
      // count is nearest the budget (empty bins cost nothing, so the edge passes them).
      let reviewed = 0;
      let edge = 0;
      for (let i = 0; i < BINS; i++) {
        const next = reviewed + sum.bins[i]!;
        if (next > budget && next - budget >= budget - reviewed) break;
        reviewed = next;
        edge = i + 1;
      }
      return Math.min(config.maxThreshold, Math.max(config.minThreshold, edge / BINS));
    },
  };
}
