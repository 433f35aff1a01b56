/**
 * Ranking metrics over (score, label) pairs: higher score = more suspicious, label 1 = fraud.
 *
 * All of them are O(n log n): scores are split by class into two Float64Arrays and sorted with the
 * native numeric sort (no comparator), then walked together from the highest score down, one
 * *tie group* (all items sharing a score) at a time. Ties are never broken by input order:
 *
 * - `rocAuc` counts a tied (fraud, legit) pair as half a correct ordering (Mann–Whitney U with
 *   average ranks), exactly like scikit-learn's `roc_auc_score`.
 * - `averagePrecision` uses each distinct score as one threshold, so a tie group enters the
 *   precision–recall curve all at once, exactly like scikit-learn's `average_precision_score`.
 * - `precisionAtK` and `cardPrecisionAtK` give the *expected* precision when the tie group that
 *   straddles the cut-off is ordered at random: its `m` remaining slots hold `m × (frauds in the
 *   group / group size)` frauds. Sorting libraries break such ties arbitrarily (pandas' default
 *   sort is not stable), which makes a model with coarse scores (rules-only probabilities) look
 *   better or worse by luck; the expectation is the order-free value.
 *
 * Undefined cases return NaN rather than throw, so one day without fraud does not abort a
 * backtest: `rocAuc` with only one class present, `averagePrecision` with no fraud, any metric on
 * empty input. Callers that print or serialise should say "n/a" (JSON.stringify writes null).
 * Malformed input throws a RangeError: different lengths, a NaN score, a label other than 0 or 1.
 */

export type Scores = ArrayLike<number>;
/** 0 = legitimate, 1 = fraud. Booleans coerced to numbers are fine. */
export type Labels = ArrayLike<number>;

interface ByClass {
  /** Scores of frauds, ascending. */
  positives: Float64Array;
  /** Scores of legitimate items, ascending. */
  negatives: Float64Array;
}

function checkLength(what: string, expected: number, actual: number): void {
  if (actual !== expected) throw new RangeError(`${what} has ${actual} entries but scores has ${expected}`);
}

function splitByClass(scores: Scores, labels: Labels): ByClass {
  checkLength('labels', scores.length, labels.length);
  let positiveCount = 0;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (label === 1) positiveCount++;
    else if (label !== 0) throw new RangeError(`labels[${i}] is ${String(label)}; labels must be 0 or 1`);
  }
  const positives = new Float64Array(positiveCount);
  const negatives = new Float64Array(scores.length - positiveCount);
  let p = 0;
  let n = 0;
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i] as number;
    if (Number.isNaN(score)) throw new RangeError(`scores[${i}] is NaN; every item needs a score`);
    if (labels[i] === 1) positives[p++] = score;
    else negatives[n++] = score;
  }
  positives.sort();
  negatives.sort();
  return { positives, negatives };
}

/**
 * Calls `visit(frauds, legit)` once per distinct score, from the highest score down, with how many
 * frauds and legitimate items share that score. `-0` and `0` are one group (they compare equal).
 */
function forEachTieGroupDescending({ positives, negatives }: ByClass, visit: (frauds: number, legit: number) => boolean | void): void {
  let i = positives.length - 1;
  let j = negatives.length - 1;
  while (i >= 0 || j >= 0) {
    const score =
      i < 0 ? (negatives[j] as number) : j < 0 ? (positives[i] as number) : Math.max(positives[i] as number, negatives[j] as number);
    let frauds = 0;
    let legit = 0;
    while (i >= 0 && positives[i] === score) {
      frauds++;
      i--;
    }
    while (j >= 0 && negatives[j] === score) {
      legit++;
      j--;
    }
    if (visit(frauds, legit) === true) return;
  }
}

/**
 * Area under the ROC curve: the probability that a random fraud scores above a random legitimate
 * item, ties counting one half (Mann–Whitney U / (P·N)). NaN when either class is absent.
 */
export function rocAuc(scores: Scores, labels: Labels): number {
  const byClass = splitByClass(scores, labels);
  const positives = byClass.positives.length;
  const negatives = byClass.negatives.length;
  if (positives === 0 || negatives === 0) return Number.NaN;
  // Counts stay below 2^53 for any n that fits in memory, and half-units are exact in a double.
  let correctlyOrdered = 0;
  let legitAbove = 0;
  forEachTieGroupDescending(byClass, (frauds, legit) => {
    const legitBelow = negatives - legitAbove - legit;
    correctlyOrdered += frauds * legitBelow + 0.5 * frauds * legit;
    legitAbove += legit;
  });
  return correctlyOrdered / (positives * negatives);
}

/**
 * Average precision as scikit-learn's `average_precision_score` defines it: Σₙ (Rₙ − Rₙ₋₁)·Pₙ over
 * the distinct scores taken as thresholds from the top, where Pₙ and Rₙ are precision and recall
 * of "score ≥ threshold n". No interpolation. NaN when there is no fraud.
 */
export function averagePrecision(scores: Scores, labels: Labels): number {
  const byClass = splitByClass(scores, labels);
  const positives = byClass.positives.length;
  if (positives === 0) return Number.NaN;
  let truePositives = 0;
  let falsePositives = 0;
  let sum = 0;
  forEachTieGroupDescending(byClass, (frauds, legit) => {
    truePositives += frauds;
    falsePositives += legit;
    if (frauds > 0) sum += (frauds / positives) * (truePositives / (truePositives + falsePositives));
  });
  return sum;
}

/** Expected number of frauds among the top `k` when the tie group at the cut-off is ordered at random. */
function expectedFraudsInTopK(byClass: ByClass, k: number): number {
  let taken = 0;
  let frauds = 0;
  forEachTieGroupDescending(byClass, (groupFrauds, groupLegit) => {
    const size = groupFrauds + groupLegit;
    if (taken + size <= k) {
      taken += size;
      frauds += groupFrauds;
      return taken === k;
    }
    frauds += ((k - taken) * groupFrauds) / size;
    return true;
  });
  return frauds;
}

function checkK(k: number): void {
  if (!Number.isInteger(k) || k < 1) throw new RangeError(`k must be a positive integer, got ${k}`);
}

/**
 * Share of frauds among the `k` highest-scored items. Divides by `k` even when there are fewer
 * than `k` items (empty slots are misses), as the Fraud Detection Handbook's precision top-k does:
 * the analyst's budget was `k`. Ties at the cut-off count their expected value (see the header).
 */
export function precisionAtK(scores: Scores, labels: Labels, k: number): number {
  checkK(k);
  return expectedFraudsInTopK(splitByClass(scores, labels), k) / k;
}

/** Day number of a timestamp in UTC (days since 1970-01-01), the usual `days` input below. */
export const utcDayIndex = (timestampMs: number): number => Math.floor(timestampMs / 86_400_000);

export interface CardPrecisionInput {
  scores: Scores;
  labels: Labels;
  /** The card (account) of each transaction. */
  accounts: ArrayLike<string>;
  /** Any integer day number, e.g. `utcDayIndex(timestampMs)`; days are processed in ascending order. */
  days: ArrayLike<number>;
}

export interface CardPrecisionOptions {
  /**
   * Drop, from later days, cards already found compromised (fraud and certainly in an earlier
   * day's top k): investigators already blocked them. Default true, as in the handbook.
   */
  removeDetectedCards?: boolean;
}

export interface CardPrecisionDay {
  day: number;
  /** Expected share of compromised cards among the day's top k cards. */
  precision: number;
  /** Distinct cards ranked that day (after removing earlier detections). */
  cards: number;
  /** Cards with at least one fraud that day (after removing earlier detections). */
  compromisedCards: number;
  /** Expected number of compromised cards in the top k (`precision × k`). */
  detectedCards: number;
}

interface Card {
  account: string;
  score: number;
  label: number;
}

export interface CardPrecisionResult {
  k: number;
  /** Mean of the per-day precisions; NaN when there are no days. */
  mean: number;
  /**
   * The best `mean` the same days allowed: each day, its compromised cards (at most k) over k. A
   * day with fewer compromised cards than k caps every ranking below 1, so a precision is read
   * against this.
   */
  ceiling: number;
  perDay: CardPrecisionDay[];
}

/**
 * Card precision@k as the Fraud Detection Handbook defines it (`card_precision_top_k`): for each
 * day, each card's score is the maximum over its transactions that day and its label the maximum
 * label; cards are ranked by that score and the day's value is (compromised cards in the top k) / k.
 * The result is the mean over days, with the per-day values.
 *
 * Ties at the cut-off count their expected value, as in `precisionAtK`. With
 * `removeDetectedCards`, only compromised cards whose place in the top k does not depend on tie
 * order are removed from later days: a card that is only partly in the top k was not certainly
 * investigated.
 */
export function cardPrecisionAtK(input: CardPrecisionInput, k: number, options: CardPrecisionOptions = {}): CardPrecisionResult {
  checkK(k);
  const { scores, labels, accounts, days } = input;
  checkLength('labels', scores.length, labels.length);
  checkLength('accounts', scores.length, accounts.length);
  checkLength('days', scores.length, days.length);

  const byDay = new Map<number, number[]>();
  for (let i = 0; i < scores.length; i++) {
    const day = days[i] as number;
    if (!Number.isInteger(day)) throw new RangeError(`days[${i}] is ${day}; days must be integers`);
    let indices = byDay.get(day);
    if (indices === undefined) byDay.set(day, (indices = []));
    indices.push(i);
  }

  const removeDetected = options.removeDetectedCards ?? true;
  const detected = new Set<string>();
  const perDay: CardPrecisionDay[] = [];
  for (const day of [...byDay.keys()].sort((a, b) => a - b)) {
    const cards = new Map<string, Card>();
    for (const i of byDay.get(day) ?? []) {
      const account = accounts[i] as string;
      if (detected.has(account)) continue;
      const score = scores[i] as number;
      const label = labels[i] as number;
      if (Number.isNaN(score)) throw new RangeError(`scores[${i}] is NaN; every item needs a score`);
      if (label !== 0 && label !== 1) throw new RangeError(`labels[${i}] is ${String(label)}; labels must be 0 or 1`);
      const card = cards.get(account);
      if (card === undefined) cards.set(account, { account, score, label });
      else {
        if (score > card.score) card.score = score;
        if (label > card.label) card.label = label;
      }
    }
    // Explicit comparisons rather than b − a: Infinity − Infinity is NaN and would corrupt the sort.
    const ranked = [...cards.values()].sort((a, b) => (b.score > a.score ? 1 : b.score < a.score ? -1 : 0));
    let compromised = 0;
    for (const card of ranked) compromised += card.label;

    // Walk tie groups of cards; fully included groups are certain, the straddling one is expected.
    let taken = 0;
    let found = 0;
    for (let start = 0; start < ranked.length && taken < k; ) {
      const score = (ranked[start] as Card).score;
      let end = start;
      let groupFrauds = 0;
      while (end < ranked.length && (ranked[end] as Card).score === score) groupFrauds += (ranked[end++] as Card).label;
      const size = end - start;
      if (taken + size <= k) {
        found += groupFrauds;
        taken += size;
        if (removeDetected) {
          for (const card of ranked.slice(start, end)) if (card.label === 1) detected.add(card.account);
        }
      } else {
        found += ((k - taken) * groupFrauds) / size;
        taken = k;
      }
      start = end;
    }
    perDay.push({ day, precision: found / k, cards: ranked.length, compromisedCards: compromised, detectedCards: found });
  }

  const meanOver = (perDayValue: (d: CardPrecisionDay) => number) =>
    perDay.length === 0 ? Number.NaN : perDay.reduce((sum, d) => sum + perDayValue(d), 0) / perDay.length;
  return { k, mean: meanOver((d) => d.precision), ceiling: meanOver((d) => Math.min(d.compromisedCards, k) / k), perDay };
}
