import type { Transaction } from '../domain/index.ts';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { createRowEncoder } from '../features/row-encoder.ts';

/** Encoded rows ready for `buildModelVersion`, with what the operator needs to judge them. */
export interface TrainingRows {
  /** n * d values, row-major, in event-time order. */
  rows: Float32Array;
  n: number;
  d: number;
  /** Transactions pushed through the encoder: every training row plus those that only built account state. */
  encoded: number;
  /** Rows in the window left out because their label is fraud. */
  excludedFraud: number;
  /** Event times of the first and last training row, ms; null when there are none. */
  firstMs: number | null;
  lastMs: number | null;
}

export interface TrainingRowCollector {
  /**
   * Encodes `tx` (the next in event-time order) so that its account's state moves on, and keeps its
   * row for training when `keep` is true. Transactions before the window, or labelled fraud, are
   * pushed with `keep` false: their rows are not trained on but the accounts' history includes
   * them, exactly as the scorer's state does.
   */
  push(tx: Transaction, timestampMs: number, keep: boolean, label?: 0 | 1): void;
  /** Counts a kept-out fraud row (for the report). */
  countExcludedFraud(): void;
  finish(): TrainingRows;
}

export function createTrainingRowCollector(spec: CompiledFeatureSpec, expected = 4096): TrainingRowCollector {
  const encoder = createRowEncoder(spec, Math.max(1, expected));
  const kept: number[] = [];
  let excludedFraud = 0;
  let firstMs: number | null = null;
  let lastMs: number | null = null;
  return {
    push(tx, timestampMs, keep, label) {
      const index = encoder.push(tx, label);
      if (!keep) return;
      kept.push(index);
      firstMs ??= timestampMs;
      lastMs = timestampMs;
    },
    countExcludedFraud() {
      excludedFraud++;
    },
    finish() {
      const d = encoder.width;
      const all = encoder.rows();
      const rows = new Float32Array(kept.length * d);
      // Kept rows are mostly one contiguous run (the window); copying row by row is still cheap.
      kept.forEach((index, i) => rows.set(all.subarray(index * d, index * d + d), i * d));
      return { rows, n: kept.length, d, encoded: encoder.count, excludedFraud, firstMs, lastMs };
    },
  };
}
