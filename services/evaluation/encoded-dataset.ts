import type { ColumnMapping, LabelledRecord } from '../datasets/column-mapping.ts';
import type { CsvProgress } from '../datasets/csv.ts';
import { openLabelledDataset } from '../datasets/labelled-dataset.ts';
import { type TransactionDefaults, toTransaction } from '../datasets/to-transaction.ts';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { createRowEncoder } from '../features/row-encoder.ts';

/** A labelled dataset turned into feature rows, in event-time order, with what metrics need. */
export interface EncodedDataset {
  featureNames: readonly string[];
  featureSpecVersion: string;
  rows: Float32Array;
  n: number;
  d: number;
  labels: Uint8Array;
  timesMs: Float64Array;
  accounts: string[];
  ids: string[];
}

/**
 * Reads a labelled CSV through a column mapping and encodes every record with the feature spec,
 * carrying per-account state in event-time order (records are sorted by time first when the file
 * is not, as the ULB subsets are not). Every record is encoded, so windows of records that fall
 * before a training or test period still shape the state the period starts with.
 */
export async function encodeLabelledFile(
  file: string,
  mapping: ColumnMapping,
  spec: CompiledFeatureSpec,
  defaults: TransactionDefaults,
  onProgress?: (progress: CsvProgress) => void,
): Promise<EncodedDataset> {
  const dataset = await openLabelledDataset(file, mapping, onProgress ? { onProgress } : {});
  const records: LabelledRecord[] = [];
  let sorted = true;
  for await (const batch of dataset.batches()) {
    for (const record of batch) {
      if (records.length > 0 && record.timestampMs < records[records.length - 1]!.timestampMs) sorted = false;
      records.push(record);
    }
  }
  // A stable sort keeps the file's order among equal timestamps.
  if (!sorted) records.sort((a, b) => a.timestampMs - b.timestampMs);

  const encoder = createRowEncoder(spec, Math.max(1, records.length));
  const labels = new Uint8Array(records.length);
  const timesMs = new Float64Array(records.length);
  const accounts = new Array<string>(records.length);
  const ids = new Array<string>(records.length);
  records.forEach((record, i) => {
    const tx = toTransaction(record, defaults);
    encoder.push(tx, record.label);
    labels[i] = record.label;
    timesMs[i] = record.timestampMs;
    accounts[i] = tx.accountId;
    ids[i] = tx.id;
  });
  return {
    featureNames: spec.names,
    featureSpecVersion: spec.version,
    rows: encoder.rows(),
    n: records.length,
    d: encoder.width,
    labels,
    timesMs,
    accounts,
    ids,
  };
}

/** Index range [start, end) of the rows whose time is in [fromMs, toMs); rows are in time order. */
export function rowRange(dataset: Pick<EncodedDataset, 'timesMs' | 'n'>, fromMs: number, toMs: number): { start: number; end: number } {
  const firstAtOrAfter = (t: number) => {
    let lo = 0;
    let hi = dataset.n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (dataset.timesMs[mid]! < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  return { start: firstAtOrAfter(fromMs), end: firstAtOrAfter(toMs) };
}
