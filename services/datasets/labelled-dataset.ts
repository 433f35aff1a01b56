import { type ColumnMapping, compileColumnMapping, type LabelledRecord, type RecordMapper } from './column-mapping.ts';
import { type CsvReadOptions, type CsvRow, openCsv } from './csv.ts';

export interface LabelledDataset {
  readonly file: string;
  readonly header: readonly string[];
  readonly compressed: boolean;
  readonly featureNames: readonly string[];
  /** Records in file order, in batches (one per chunk read). Iterate once, as batches or records. */
  batches(): AsyncIterable<LabelledRecord[]>;
  records(): AsyncIterable<LabelledRecord>;
  close(): Promise<void>;
}

/**
 * A labelled CSV (plain or gzipped) read through a column mapping. The mapping is checked against
 * the header before any row is read, so a wrong mapping fails at once, naming the columns that do
 * exist. Errors in rows name the file, line and column.
 */
export async function openLabelledDataset(file: string, mapping: ColumnMapping, options: CsvReadOptions = {}): Promise<LabelledDataset> {
  const csv = await openCsv(file, options);
  let mapper: RecordMapper;
  try {
    mapper = compileColumnMapping(mapping, csv.header, file);
  } catch (error) {
    await csv.close();
    throw error;
  }
  let index = 0;
  async function* batches(): AsyncGenerator<LabelledRecord[]> {
    for await (const rows of csv.batches()) {
      const records = new Array<LabelledRecord>(rows.length);
      for (let r = 0; r < rows.length; r++) {
        const row = rows[r] as CsvRow;
        records[r] = mapper.toRecord(row.fields, row.line, index++);
      }
      yield records;
    }
  }
  async function* records(): AsyncGenerator<LabelledRecord> {
    for await (const batch of batches()) yield* batch;
  }
  return {
    file,
    header: csv.header,
    compressed: csv.compressed,
    featureNames: mapper.featureNames,
    batches,
    records,
    close: () => csv.close(),
  };
}
