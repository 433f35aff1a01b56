import type { CandidateMetrics } from './candidate-metrics.ts';

export interface Verdict {
  promote: boolean;
  reason: string;
}

const f = (x: number) => x.toFixed(3);

/**
 * A candidate is promoted only if it is not worse than the champion, by more than `margin`, on the
 * same held-out labels: average precision and precision@k both. The alert volume is reported, not
 * gated: the review budget controller (not the model) decides how many items humans see.
 */
export function promotionVerdict(candidate: CandidateMetrics, champion: CandidateMetrics, margin: number): Verdict {
  const summary = `AP ${f(candidate.averagePrecision)} vs ${f(champion.averagePrecision)}, precision@${candidate.k} ${f(candidate.precisionAtK)} vs ${f(champion.precisionAtK)}, alert rate ${f(candidate.alertRate)} vs ${f(champion.alertRate)} on ${candidate.examples} held-out labels (${candidate.frauds} fraud)`;
  const worse: string[] = [];
  if (candidate.averagePrecision < champion.averagePrecision - margin) worse.push('average precision');
  if (candidate.precisionAtK < champion.precisionAtK - margin) worse.push(`precision@${candidate.k}`);
  return worse.length === 0
    ? { promote: true, reason: `not worse than the champion by more than ${margin}: ${summary}` }
    : { promote: false, reason: `worse than the champion by more than ${margin} in ${worse.join(' and ')}: ${summary}` };
}
