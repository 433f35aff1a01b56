import { type Autoencoder, createScoringKernel, type EpochReport, trainAutoencoder, type TrainOptions } from '../model/index.ts';
import type { EncodedDataset } from './encoded-dataset.ts';
import { averagePrecision, cardPrecisionAtK, precisionAtK, rocAuc, utcDayIndex } from './metrics.ts';
import { handbookSplit, type HandbookSplitOptions } from './split.ts';

export interface RankingMetrics {
  rocAuc: number;
  averagePrecision: number;
  precisionAtK: number;
  cardPrecisionAtK: number;
  k: number;
}

export interface EvaluationReport {
  featureSpecVersion: string;
  split: { trainFrom: string; trainTo: string; testFrom: string; testTo: string; trainRows: number; testRows: number; testFrauds: number; removedKnownCompromised: number };
  /** `keptEpoch`: the epoch whose weights were scored (the best one under early stopping). */
  training: { epochs: number; keptEpoch: number; seconds: number; loss: number[]; valLoss: number[] };
  metrics: RankingMetrics;
  cardPrecisionPerDay: Array<{ day: string; precision: number }>;
}

const SCORE_BATCH = 4096;

/** Reconstruction errors of the given rows, scored with the shipped kernel in batches. */
export function reconstructionErrors(model: Autoencoder, dataset: EncodedDataset, indices: ArrayLike<number>): Float32Array {
  const kernel = createScoringKernel(model);
  const { d } = dataset;
  const errors = new Float32Array(indices.length);
  const batch = new Float32Array(SCORE_BATCH * d);
  try {
    for (let start = 0; start < indices.length; start += SCORE_BATCH) {
      const size = Math.min(SCORE_BATCH, indices.length - start);
      for (let i = 0; i < size; i++) {
        const row = indices[start + i]!;
        batch.set(dataset.rows.subarray(row * d, row * d + d), i * d);
      }
      errors.set(kernel.score(batch, size).errors, start);
    }
  } finally {
    kernel.dispose();
  }
  return errors;
}

/** The metrics the fraud-detection literature reports, for scores against labels on given rows. */
export function rankingMetrics(dataset: EncodedDataset, indices: ArrayLike<number>, scores: ArrayLike<number>, k: number): { metrics: RankingMetrics; perDay: Array<{ day: string; precision: number }> } {
  const labels = Uint8Array.from({ length: indices.length }, (_, i) => dataset.labels[indices[i]!]!);
  const card = cardPrecisionAtK(
    {
      scores,
      labels,
      accounts: Array.from({ length: indices.length }, (_, i) => dataset.accounts[indices[i]!]!),
      days: Array.from({ length: indices.length }, (_, i) => utcDayIndex(dataset.timesMs[indices[i]!]!)),
    },
    k,
  );
  return {
    metrics: {
      rocAuc: rocAuc(scores, labels),
      averagePrecision: averagePrecision(scores, labels),
      precisionAtK: precisionAtK(scores, labels, k),
      cardPrecisionAtK: card.mean,
      k,
    },
    perDay: card.perDay.map(({ day, precision }) => ({ day: new Date(day * 86_400_000).toISOString().slice(0, 10), precision })),
  };
}

/**
 * The unsupervised protocol: train the autoencoder on every transaction of the training window
 * (labels unused), then rank the test window by reconstruction error. The split follows the
 * handbook (train, label delay, test; known-compromised cards removed from each test day).
 */
export async function evaluateAutoencoder(
  dataset: EncodedDataset,
  split: HandbookSplitOptions,
  training: Omit<TrainOptions, 'onEpoch'>,
  k: number,
  onEpoch?: (report: EpochReport) => void,
): Promise<{ report: EvaluationReport; model: Autoencoder }> {
  const indexed = Array.from({ length: dataset.n }, (_, index) => ({
    index,
    timestampMs: dataset.timesMs[index]!,
    label: dataset.labels[index] as 0 | 1,
    accountId: dataset.accounts[index],
  }));
  const { windows, train, test, removedFromTest } = handbookSplit(indexed, split);
  if (train.length === 0 || test.length === 0) {
    throw new Error(`the split leaves ${train.length} training and ${test.length} test rows; check the dates against the data`);
  }
  // Training rows are contiguous because the dataset is in time order.
  const first = train[0]!.index;
  const trainRows = dataset.rows.subarray(first * dataset.d, (first + train.length) * dataset.d);
  const started = performance.now();
  const { model, history } = await trainAutoencoder(trainRows, train.length, dataset.featureNames, { ...training, ...(onEpoch ? { onEpoch } : {}) });
  const seconds = (performance.now() - started) / 1000;

  const testIndices = Uint32Array.from(test, (record) => record.index);
  const scores = reconstructionErrors(model, dataset, testIndices);
  const { metrics, perDay } = rankingMetrics(dataset, testIndices, scores, k);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    model,
    report: {
      featureSpecVersion: dataset.featureSpecVersion,
      split: {
        trainFrom: iso(windows.train.fromMs),
        trainTo: iso(windows.train.toMs),
        testFrom: iso(windows.test.fromMs),
        testTo: iso(windows.test.toMs),
        trainRows: train.length,
        testRows: test.length,
        testFrauds: test.reduce((sum, record) => sum + record.label, 0),
        removedKnownCompromised: removedFromTest,
      },
      training: { epochs: history.loss.length, keptEpoch: history.keptEpoch, seconds, loss: history.loss, valLoss: history.valLoss },
      metrics,
      cardPrecisionPerDay: perDay,
    },
  };
}
