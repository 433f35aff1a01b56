import { averagePrecision, cardPrecisionAtK, precisionAtK, rocAuc, utcDayIndex } from '../evaluation/metrics.ts';

/** One scored test transaction: the scores of the loop and of both baselines, and the truth. */
export interface ScoredTestTransaction {
  transactionId: string;
  accountId: string;
  eventMs: number;
  fraud: 0 | 1;
  /** The decision's probability: the loop as it ran. */
  loop: number;
  /** The starting autoencoder alone (its reconstruction error), without feedback. */
  unsupervised: number;
  /** A supervised model trained on every label known before the test period. */
  supervised: number;
}

export interface RankingSummary {
  averagePrecision: number;
  rocAuc: number;
  precisionAtK: number;
  cardPrecisionAtK: number;
  /** The best card precision@k these days allowed (see `cardPrecisionAtK`'s `ceiling`). */
  cardPrecisionCeiling: number;
}

export interface DayRow extends Record<'loop' | 'unsupervisedBaseline' | 'supervisedBaseline', RankingSummary> {
  day: string;
  transactions: number;
  frauds: number;
  /** Items the simulated analyst labelled that day, and the labels known by the end of it. */
  reviewed: number;
  labelsKnown: number;
  champion: string;
}

const SCORERS = { loop: (t: ScoredTestTransaction) => t.loop, unsupervisedBaseline: (t: ScoredTestTransaction) => t.unsupervised, supervisedBaseline: (t: ScoredTestTransaction) => t.supervised } as const;
export type ScorerName = keyof typeof SCORERS;

/** NaN (no fraud, or no legitimate row) is reported as null in JSON; keep it a number here. */
function summarise(rows: readonly ScoredTestTransaction[], score: (t: ScoredTestTransaction) => number, k: number): RankingSummary {
  const scores = rows.map(score);
  const labels = rows.map((row) => row.fraud);
  const cards = cardPrecisionAtK({ scores, labels, accounts: rows.map((row) => row.accountId), days: rows.map((row) => utcDayIndex(row.eventMs)) }, k);
  return {
    averagePrecision: averagePrecision(scores, labels),
    rocAuc: rocAuc(scores, labels),
    precisionAtK: precisionAtK(scores, labels, Math.min(k, rows.length)),
    cardPrecisionAtK: cards.mean,
    cardPrecisionCeiling: cards.ceiling,
  };
}

/** The three scorers' ranking metrics over `rows` (card precision: the mean over their days). */
export function rankingSummaries(rows: readonly ScoredTestTransaction[], k: number): Record<ScorerName, RankingSummary> {
  return {
    loop: summarise(rows, SCORERS.loop, k),
    unsupervisedBaseline: summarise(rows, SCORERS.unsupervisedBaseline, k),
    supervisedBaseline: summarise(rows, SCORERS.supervisedBaseline, k),
  };
}
