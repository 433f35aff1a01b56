import type { FeatureContribution } from '../domain/index.ts';

export interface FeatureBaseline {
  feature: string;
  /** Reconstruction error of this feature, as in the decision's anomaly. */
  error: number;
  /** This transaction's value of the feature (as encoded for the model). */
  value: number | null;
  /** Median of the feature over the account's earlier decisions; null with no history. */
  accountMedian: number | null;
  accountSamples: number;
  /** Mean of the feature over the model's training traffic: "normal" for an account with no history. */
  trainingMean: number | null;
}

function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/**
 * Puts each top feature of an anomaly next to what is normal for it: the account's own median over
 * its earlier vectors and the training mean. `names` and `trainingMean` come from the model that
 * made the decision, and `history` must be vectors of the same feature spec (the caller filters).
 */
export function featureBaselines(
  topFeatures: readonly FeatureContribution[],
  names: readonly string[],
  vector: readonly number[] | null,
  history: ReadonlyArray<readonly number[]>,
  trainingMean: readonly number[] | null,
): FeatureBaseline[] {
  return topFeatures.map(({ feature, error }) => {
    const index = names.indexOf(feature);
    if (index < 0) return { feature, error, value: null, accountMedian: null, accountSamples: 0, trainingMean: null };
    const past = history.map((row) => row[index]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    return {
      feature,
      error,
      value: vector?.[index] ?? null,
      accountMedian: median(past),
      accountSamples: past.length,
      trainingMean: trainingMean?.[index] ?? null,
    };
  });
}
