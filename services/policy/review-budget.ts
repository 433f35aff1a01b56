import type { Decision } from '../domain/index.ts';

export interface ReviewBudgetConfig {
  /** Items analysts can review per hour of traffic, across every scorer. */
  capacityPerHour: number;
  /** The threshold never leaves [minThreshold, maxThreshold], whatever the traffic does. */
  minThreshold: number;
  maxThreshold: number;
}

/** How far back the controller looks (event time), in one-minute buckets; and the fewest decisions it acts on. */
const WINDOW_MINUTES = 60;
const MIN_OBSERVATIONS = 50;
/** Confidences are counted in bins of 0.01, so thresholds move in steps of 0.01 and policy versions stay few. */
const BINS = 100;

interface MinuteBucket {
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
   * review over the last hour of traffic; `share` is this scorer's part of the traffic (its
   * partitions over all). Null until there is enough traffic to say.
   */
  threshold(share: number): number | null;
}

/**
 * Holds review volume near the analysts' capacity by moving the confidence threshold. Items a rule
 * or the approve ceiling sends to review use up capacity first; the rest of the budget goes to the
 * least confident of the threshold-decided items, so the threshold is that quantile of their
 * confidences. Counts live in one-minute buckets of confidence bins: constant memory and time at
 * any traffic rate. Event time, not wall-clock time, so a replay behaves as live traffic would.
 */
export function createReviewBudget(config: ReviewBudgetConfig): ReviewBudget {
  const buckets = new Map<number, MinuteBucket>();
  let newestMinute = Number.NEGATIVE_INFINITY;
  return {
    observe(decision, atMs) {
      const minute = Math.floor(atMs / 60_000);
      if (minute <= newestMinute - WINDOW_MINUTES) return;
      if (minute > newestMinute) {
        newestMinute = minute;
        for (const key of buckets.keys()) if (key <= newestMinute - WINDOW_MINUTES) buckets.delete(key);
      }
      let bucket = buckets.get(minute);
      if (bucket === undefined) {
        bucket = { bins: new Uint32Array(BINS), forced: 0, total: 0 };
        buckets.set(minute, bucket);
      }
      bucket.total += 1;
      if (decision.decidedBy === 'review_rule' || decision.decidedBy === 'approve_ceiling') bucket.forced += 1;
      else if (decision.decidedBy === 'threshold') bucket.bins[Math.min(BINS - 1, Math.floor(decision.confidence * BINS))]! += 1;
    },
    threshold(share) {
      const bins = new Array<number>(BINS).fill(0);
      let forced = 0;
      let total = 0;
      let oldest = newestMinute;
      for (const [minute, bucket] of buckets) {
        oldest = Math.min(oldest, minute);
        forced += bucket.forced;
        total += bucket.total;
        bucket.bins.forEach((count, i) => {
          bins[i]! += count;
        });
      }
      if (total < MIN_OBSERVATIONS) return null;
      const hours = (newestMinute - oldest + 1) / 60;
      const budget = config.capacityPerHour * share * hours - forced;
      // Reviewing every item below t = (i+1)/100 reviews bins 0..i: take the largest i within budget.
      let reviewed = 0;
      let edge = 0;
      for (let i = 0; i < BINS && reviewed + bins[i]! <= budget; i++) {
        reviewed += bins[i]!;
        edge = i + 1;
      }
      return Math.min(config.maxThreshold, Math.max(config.minThreshold, edge / BINS));
    },
  };
}
