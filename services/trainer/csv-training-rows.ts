import type { ColumnMapping, LabelledRecord } from '../datasets/column-mapping.ts';
import type { CsvProgress } from '../datasets/csv.ts';
import { openLabelledDataset } from '../datasets/labelled-dataset.ts';
import { type TransactionDefaults, toTransaction } from '../datasets/to-transaction.ts';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { createTrainingRowCollector, type TrainingRows } from './training-rows.ts';

/** What datasets without these columns get (as `loupe evaluate` does). */
export const CSV_TRANSACTION_DEFAULTS: TransactionDefaults = { currency: 'EUR', country: 'FR', channel: 'card_present', merchantCategory: '5999' };

export interface CsvTrainingOptions {
  file: string;
  mapping: ColumnMapping;
  spec: CompiledFeatureSpec;
  /** Training window [fromMs, toMs); open-ended where absent. */
  fromMs?: number;
  toMs?: number;
  /** Leave rows labelled fraud out of training (they still shape their accounts' history). */
  excludeFraud: boolean;
  defaults?: TransactionDefaults;
  onProgress?: (progress: CsvProgress) => void;
  /** Encoding is the slower half (per-account windows for every record): reported every 10,000 records and at the end. */
  onEncodeProgress?: (progress: { fraction: number; rows: number }) => void;
}

export interface CsvTrainingRows extends TrainingRows {
  /** Records read from the file, and the event times of the earliest and latest (null when empty). */
  recordsRead: number;
  dataFromMs: number | null;
  dataToMs: number | null;
  /** Frauds (by the file's label) among the training rows. */
  fraudRows: number;
  /** Message features the spec reads but the mapping does not provide: they will be constant. */
  missingFeatures: string[];
}

/**
 * Reads a labelled CSV through a column mapping and encodes it for training. Every record before
 * the window's end is encoded in event-time order (sorted first when the file is not, as the ULB
 * subsets are not), so the accounts' windows at the start of the training period hold their real
 * history; only rows inside the window are kept. Records after the window are read (the file might
 * be unsorted) but not encoded.
 */
export async function loadCsvTrainingRows(options: CsvTrainingOptions): Promise<CsvTrainingRows> {
  const { file, mapping, spec, excludeFraud } = options;
  const fromMs = options.fromMs ?? -Infinity;
  const toMs = options.toMs ?? Infinity;
  const dataset = await openLabelledDataset(file, mapping, options.onProgress ? { onProgress: options.onProgress } : {});
  const provided = new Set(dataset.featureNames);
  const missingFeatures = spec.spec.features.flatMap((def) => (def.kind === 'message' && !provided.has(def.name) ? [def.name] : []));

  const records: LabelledRecord[] = [];
  let recordsRead = 0;
  let dataFromMs = Infinity;
  let dataToMs = -Infinity;
  let sorted = true;
  try {
    for await (const batch of dataset.batches()) {
      recordsRead += batch.length;
      for (const record of batch) {
        if (record.timestampMs < dataFromMs) dataFromMs = record.timestampMs;
        if (record.timestampMs > dataToMs) dataToMs = record.timestampMs;
        if (record.timestampMs >= toMs) continue;
        if (records.length > 0 && record.timestampMs < records[records.length - 1]!.timestampMs) sorted = false;
        records.push(record);
      }
    }
  } finally {
    await dataset.close();
  }
  // A stable sort keeps the file's order among equal timestamps.
  if (!sorted) records.sort((a, b) => a.timestampMs - b.timestampMs);

  const collector = createTrainingRowCollector(spec, records.length);
  const defaults = options.defaults ?? CSV_TRANSACTION_DEFAULTS;
  let fraudRows = 0;
  let done = 0;
  for (const record of records) {
    const inWindow = record.timestampMs >= fromMs;
    const fraud = record.label === 1;
    if (inWindow && fraud && excludeFraud) collector.countExcludedFraud();
    const keep = inWindow && !(fraud && excludeFraud);
    if (keep && fraud) fraudRows++;
    collector.push(toTransaction(record, defaults), record.timestampMs, keep, record.label);
    if (++done % 10_000 === 0) options.onEncodeProgress?.({ fraction: done / records.length, rows: done });
  }
  options.onEncodeProgress?.({ fraction: 1, rows: done });
  const empty = recordsRead === 0;
  return { ...collector.finish(), recordsRead, dataFromMs: empty ? null : dataFromMs, dataToMs: empty ? null : dataToMs, fraudRows, missingFeatures };
}
