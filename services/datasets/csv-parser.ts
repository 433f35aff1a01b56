/**
 * CSV parsing (RFC 4180), with no I/O: text chunks in, records out. `csv.ts` feeds it from files.
 *
 * - The first record is the header; every later record must have as many fields.
 * - Quoted fields may hold the delimiter, doubled quotes (`""` → `"`) and line breaks (kept as
 *   written). Records end with LF or CRLF. A UTF-8 byte-order mark is dropped.
 * - Lenient where real exports are sloppy and the meaning is still clear: a quote inside an
 *   unquoted field is kept literally (`5" screen`), and blank lines are skipped.
 * - Strict where guessing would silently shift columns: a wrong field count, text after a closing
 *   quote, or a quote never closed is a `CsvError` naming the file and the line the record starts on.
 *
 * Speed: a line with no quote is split with `String.prototype.split`, which is most of any real
 * file; only lines with a quote take the character-level path.
 */

export type CsvErrorCode = 'field_count' | 'unterminated_quote' | 'text_after_quote' | 'record_too_long' | 'empty_file' | 'duplicate_column' | 'read_failed';

/** A problem in the file itself: not retriable, the file has to be fixed or the mapping changed. */
export class CsvError extends Error {
  override name = 'CsvError';
  constructor(
    readonly code: CsvErrorCode,
    readonly file: string,
    /** 1-based physical line where the offending record starts (0 when not about a line). */
    readonly line: number,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(line > 0 ? `${file}:${line}: ${detail}` : `${file}: ${detail}`, options);
  }
}

export interface CsvRow {
  /** 1-based physical line the record starts on (the header is line 1). */
  line: number;
  fields: string[];
}

export interface CsvParserOptions {
  delimiter?: string;
  /** A record longer than this (in characters) is refused: almost always an unterminated quote. */
  maxRecordLength?: number;
}

const DEFAULT_MAX_RECORD_LENGTH = 16 * 1024 * 1024;

/**
 * Push-based parser: feed text chunks, get complete records back. Tests drive it with chunk
 * boundaries in awkward places (inside a CRLF, between two quotes of a `""`).
 */
export class CsvParser {
  #header: string[] | undefined;
  #carry = '';
  #line = 1;
  #started = false;
  readonly #delimiter: string;
  readonly #maxRecordLength: number;

  constructor(
    readonly file: string,
    options: CsvParserOptions = {},
  ) {
    this.#delimiter = options.delimiter ?? ',';
    if (this.#delimiter.length !== 1 || this.#delimiter === '"' || this.#delimiter === '\n' || this.#delimiter === '\r') {
      throw new RangeError(`delimiter must be one character other than a quote or line break, got ${JSON.stringify(this.#delimiter)}`);
    }
    this.#maxRecordLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
  }

  /** The header's fields once the first record has been parsed. */
  get header(): readonly string[] | undefined {
    return this.#header;
  }

  /** Parses what it can of `chunk` (plus any incomplete record kept from before); returns data records. */
  push(chunk: string): CsvRow[] {
    let text = this.#carry + chunk;
    if (!this.#started && text.length > 0) {
      this.#started = true;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    const rows: CsvRow[] = [];
    const delimiter = this.#delimiter;
    let pos = 0;
    let quote = text.indexOf('"');
    for (;;) {
      const newline = text.indexOf('\n', pos);
      if (newline === -1) break;
      if (quote !== -1 && quote < pos) quote = text.indexOf('"', pos);
      if (quote === -1 || quote > newline) {
        const end = newline > pos && text.charCodeAt(newline - 1) === 13 ? newline - 1 : newline;
        if (end > pos) this.#emit(text.slice(pos, end).split(delimiter), this.#line, rows);
        this.#line++;
        pos = newline + 1;
        continue;
      }
      const record = this.#parseQuoted(text, pos, false);
      if (record === undefined) break;
      this.#emit(record.fields, this.#line, rows);
      this.#line += record.lines;
      pos = record.next;
    }
    this.#carry = text.slice(pos);
    if (this.#carry.length > this.#maxRecordLength) {
      throw new CsvError(
        'record_too_long',
        this.file,
        this.#line,
        `record is longer than ${this.#maxRecordLength} characters; is a quote left unclosed here?`,
      );
    }
    return rows;
  }

  /** Parses the last record (a file need not end with a line break) and checks the file had a header. */
  end(): CsvRow[] {
    const rows: CsvRow[] = [];
    const text = this.#carry;
    this.#carry = '';
    if (text.length > 0) {
      if (text.includes('"')) {
        const record = this.#parseQuoted(text, 0, true);
        if (record !== undefined) this.#emit(record.fields, this.#line, rows);
      } else {
        const end = text.charCodeAt(text.length - 1) === 13 ? text.length - 1 : text.length;
        if (end > 0) this.#emit(text.slice(0, end).split(this.#delimiter), this.#line, rows);
      }
    }
    if (this.#header === undefined) throw new CsvError('empty_file', this.file, 0, 'file is empty; expected a header row');
    return rows;
  }

  #emit(fields: string[], line: number, rows: CsvRow[]): void {
    if (this.#header === undefined) {
      this.#header = fields;
      return;
    }
    if (fields.length !== this.#header.length) {
      throw new CsvError(
        'field_count',
        this.file,
        line,
        `expected ${this.#header.length} fields as in the header, found ${fields.length}`,
      );
    }
    rows.push({ line, fields });
  }

  /**
   * Character-level parse of one record starting at `start`. Returns undefined when the record
   * is not complete in `text` yet (unless `final`, when that is an unterminated quote).
   */
  #parseQuoted(text: string, start: number, final: boolean): { fields: string[]; next: number; lines: number } | undefined {
    const delimiter = this.#delimiter;
    const fields: string[] = [];
    let lines = 1;
    let i = start;
    for (;;) {
      let value: string;
      if (text.charCodeAt(i) === 34) {
        value = '';
        let segment = i + 1;
        for (;;) {
          const close = text.indexOf('"', segment);
          if (close === -1) {
            if (!final) return undefined;
            throw new CsvError('unterminated_quote', this.file, this.#line, 'quoted field is never closed (unterminated quote)');
          }
          if (close + 1 >= text.length && !final) return undefined; // cannot tell `"` from `""` yet
          if (text.charCodeAt(close + 1) === 34) {
            value += text.slice(segment, close + 1);
            segment = close + 2;
            continue;
          }
          value += text.slice(segment, close);
          i = close + 1;
          break;
        }
        for (let at = value.indexOf('\n'); at !== -1; at = value.indexOf('\n', at + 1)) lines++;
        const next = text[i];
        const lineEnd = next === '\n' || (next === '\r' && (text[i + 1] === '\n' || (final && i + 1 === text.length)));
        if (next !== undefined && next !== delimiter && !lineEnd) {
          if (next === '\r' && i + 1 >= text.length) return undefined; // CR of a CRLF split across chunks
          throw new CsvError(
            'text_after_quote',
            this.file,
            this.#line + lines - 1,
            `unexpected ${JSON.stringify(next)} after a closing quote in field ${fields.length + 1}; ` +
              'a quote inside a quoted field must be doubled ("")',
          );
        }
      } else {
        let end = i;
        while (end < text.length) {
          const c = text[end];
          if (c === delimiter || c === '\n') break;
          end++;
        }
        if (end >= text.length && !final) return undefined;
        value = text.slice(i, end > i && text[end] !== delimiter && text.charCodeAt(end - 1) === 13 ? end - 1 : end);
        i = end;
      }
      fields.push(value);
      const c = text[i];
      if (c === delimiter) {
        i++;
        continue;
      }
      if (c === '\r') i++;
      if (text[i] === '\n') i++;
      return { fields, next: i, lines };
    }
  }
}
