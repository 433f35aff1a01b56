import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { createGunzip } from 'node:zlib';
import { CsvError, CsvParser, type CsvParserOptions, type CsvRow } from './csv-parser.ts';

export { CsvError, type CsvErrorCode, CsvParser, type CsvParserOptions, type CsvRow } from './csv-parser.ts';

/*
 * Reads a CSV file, plain or gzipped (told apart by the magic bytes 1f 8b, never by the name),
 * as an async iterable of records, with progress in file bytes. Parsing rules: `csv-parser.ts`.
 */

export interface CsvProgress {
  /** Bytes of the file read so far (compressed bytes for a gzipped file). */
  bytesRead: number;
  totalBytes: number;
  /** bytesRead / totalBytes, reaching exactly 1 when the file is done. */
  fraction: number;
  /** Data records parsed so far. */
  rows: number;
}

export interface CsvReadOptions extends CsvParserOptions {
  onProgress?: (progress: CsvProgress) => void;
  /** Least number of file bytes between two progress calls (default 1 MiB); the final call always happens. */
  progressEveryBytes?: number;
}

export interface CsvReader extends AsyncIterable<CsvRow> {
  readonly file: string;
  readonly header: readonly string[];
  readonly compressed: boolean;
  readonly totalBytes: number;
  /** The records in batches (one per chunk read): cheaper than one `await` per record. */
  batches(): AsyncIterable<CsvRow[]>;
  /** Each record as `{ column: value }`; refused when the header repeats a column name. */
  objects(): AsyncIterable<{ line: number; record: Record<string, string> }>;
  /** Stops reading early and releases the file. Finishing an iteration closes it too. */
  close(): Promise<void>;
}

/** Whether the file starts with the gzip magic bytes 1f 8b. */
export async function isGzipFile(file: string): Promise<boolean> {
  const handle = await open(file, 'r');
  try {
    const magic = Buffer.alloc(2);
    const { bytesRead } = await handle.read(magic, 0, 2, 0);
    return bytesRead === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/**
 * Opens a CSV file (plain or gzipped) and reads its header. The returned reader can be iterated
 * once, as records or as batches.
 */
export async function openCsv(file: string, options: CsvReadOptions = {}): Promise<CsvReader> {
  let compressed: boolean;
  let totalBytes: number;
  try {
    compressed = await isGzipFile(file);
    const handle = await open(file, 'r');
    totalBytes = (await handle.stat()).size;
    await handle.close();
  } catch (error) {
    throw new CsvError('read_failed', file, 0, `cannot read: ${(error as Error).message}`, { cause: error });
  }

  const parser = new CsvParser(file, options);
  const fileStream = createReadStream(file, { highWaterMark: 1024 * 1024 });
  const source: Readable = compressed ? pipeline(fileStream, createGunzip({ chunkSize: 256 * 1024 }), () => {}) : fileStream;
  const progressEvery = options.progressEveryBytes ?? 1024 * 1024;
  let rows = 0;
  let lastReported = 0;
  const report = (done: boolean) => {
    if (options.onProgress === undefined) return;
    const bytesRead = done ? totalBytes : Math.min(fileStream.bytesRead, totalBytes);
    if (!done && bytesRead - lastReported < progressEvery) return;
    lastReported = bytesRead;
    options.onProgress({ bytesRead, totalBytes, fraction: totalBytes === 0 ? 1 : bytesRead / totalBytes, rows });
  };

  async function* batches(): AsyncGenerator<CsvRow[]> {
    const decoder = new StringDecoder('utf8');
    try {
      for await (const chunk of source) {
        const batch = parser.push(decoder.write(chunk as Buffer));
        rows += batch.length;
        report(false);
        if (batch.length > 0) yield batch;
      }
    } catch (error) {
      if (error instanceof CsvError) throw error;
      const what = compressed ? 'cannot read or decompress' : 'cannot read';
      throw new CsvError('read_failed', file, 0, `${what}: ${(error as Error).message}`, { cause: error });
    } finally {
      source.destroy();
    }
    const last = [...parser.push(decoder.end()), ...parser.end()];
    rows += last.length;
    report(true);
    if (last.length > 0) yield last;
  }

  // Read until the header is known, keeping any records that came with it for the first batch.
  const stream = batches();
  const pending: CsvRow[][] = [];
  while (parser.header === undefined) {
    const next = await stream.next();
    if (next.done) break;
    pending.push(next.value);
  }
  const parsedHeader = parser.header;
  if (parsedHeader === undefined) throw new CsvError('empty_file', file, 0, 'file is empty; expected a header row');
  const header: readonly string[] = parsedHeader;

  let used = false;
  async function* allBatches(): AsyncGenerator<CsvRow[]> {
    if (used) throw new Error(`${file}: a CsvReader can be iterated only once`);
    used = true;
    yield* pending;
    yield* stream;
  }
  async function* records(): AsyncGenerator<CsvRow> {
    for await (const batch of allBatches()) yield* batch;
  }
  async function* objects(): AsyncGenerator<{ line: number; record: Record<string, string> }> {
    const seen = new Set<string>();
    for (const name of header) {
      if (seen.has(name)) throw new CsvError('duplicate_column', file, 1, `header repeats column "${name}"; read records as arrays instead`);
      seen.add(name);
    }
    for await (const row of records()) {
      const record: Record<string, string> = {};
      row.fields.forEach((value, index) => (record[header[index] as string] = value));
      yield { line: row.line, record };
    }
  }

  return {
    file,
    header,
    compressed,
    totalBytes,
    batches: allBatches,
    objects,
    [Symbol.asyncIterator]: records,
    async close() {
      await stream.return(undefined);
      source.destroy();
    },
  };
}
