import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { parseDateTime, parseZoneOffset } from './time.ts';

/**
 * Which column of a labelled CSV means what. Given as a small JSON file (see `mappings/`) or as
 * command-line flags (`mapping-flags.ts`), validated once, then compiled against a file's
 * header into a `RecordMapper` that turns each row into a `LabelledRecord`.
 */

const Column = z.string().describe('a column name exactly as in the header (may be "" for an unnamed column)');

const DateTimeColumn = z
  .object({
    format: z.literal('datetime'),
    column: Column,
    /** Zone for values that carry none: "UTC" or an offset like "+01:00". */
    timezone: z
      .string()
      .default('UTC')
      .refine((zone) => !Number.isNaN(parseZoneOffset(zone)), 'must be "UTC" or an offset like "+01:00"'),
  })
  .strict();

const SecondsOffsetColumn = z
  .object({
    format: z.literal('seconds-offset'),
    column: Column,
    /** The instant that 0 stands for; the default makes the column epoch seconds. */
    origin: z.iso.datetime({ offset: true, message: 'must be an ISO 8601 date-time with a zone' }).default('1970-01-01T00:00:00Z'),
  })
  .strict();

export const ColumnMappingSchema = z
  .object({
    description: z.string().optional(),
    /** 0/1 (or true/false) fraud label. Never a feature. */
    label: Column,
    /** Transaction id; without it a record's id is its 0-based position among the data rows. */
    id: Column.optional(),
    time: z.discriminatedUnion('format', [DateTimeColumn, SecondsOffsetColumn]),
    account: Column.optional(),
    merchant: Column.optional(),
    amount: Column.optional(),
    /** Numeric feature columns: exact names, or patterns where `*` matches any text (`V*`). */
    features: z.array(z.string()).default([]),
    /** Columns that must never become features (leaks such as a fraud-scenario column). */
    exclude: z.array(z.string()).default([]),
  })
  .strict();

export type ColumnMapping = z.output<typeof ColumnMappingSchema>;
export type ColumnMappingInput = z.input<typeof ColumnMappingSchema>;

/** What went wrong, and where: the mapping file, or the data file with line and column. */
export class MappingError extends Error {
  override name = 'MappingError';
  constructor(
    message: string,
    readonly file: string,
    readonly line?: number,
    readonly column?: string,
  ) {
    super(message);
  }
}

/** Validates a mapping object; `source` names it in the error (a file path, or "command line"). */
export function parseColumnMapping(json: unknown, source: string): ColumnMapping {
  const result = ColumnMappingSchema.safeParse(json);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => `  ${issue.path.length === 0 ? '(root)' : issue.path.join('.')}: ${issue.message}`);
  throw new MappingError(`${source}: invalid column mapping:\n${problems.join('\n')}`, source);
}

const MAPPINGS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'mappings');
export const BUILT_IN_MAPPINGS = ['handbook', 'ulb-creditcard'] as const;

/** Reads a mapping file, or a shipped one by name (`handbook`, `ulb-creditcard`). */
export async function loadColumnMapping(pathOrName: string): Promise<ColumnMapping> {
  const file = (BUILT_IN_MAPPINGS as readonly string[]).includes(pathOrName) ? join(MAPPINGS_DIR, `${pathOrName}.json`) : pathOrName;
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new MappingError(`${file}: cannot read column mapping: ${(error as Error).message}`, file);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new MappingError(`${file}: column mapping is not valid JSON: ${(error as Error).message}`, file);
  }
  return parseColumnMapping(json, file);
}

/** One labelled transaction from a dataset, independent of the file's layout. */
export interface LabelledRecord {
  id: string;
  timestampMs: number;
  /** Absent when the mapping has no account column or the cell is empty; likewise merchant and amount. */
  accountId?: string | undefined;
  merchantId?: string | undefined;
  amount?: number | undefined;
  label: 0 | 1;
  /** Pre-engineered numeric features, in the mapping's column order. */
  features: Record<string, number>;
}

export interface RecordMapper {
  /** Feature names in the order they appear in each record's `features`. */
  readonly featureNames: readonly string[];
  /** Turns one data row into a record; `index` is its 0-based position among data rows. */
  toRecord(fields: readonly string[], line: number, index: number): LabelledRecord;
}

const globToRegExp = (pattern: string) =>
  new RegExp(`^${pattern.split('*').map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);

/**
 * Parses a number the way JavaScript does, refusing what `Number` would quietly turn into 0 or
 * Infinity: the empty string, blanks, and non-finite values.
 */
function parseNumber(text: string): number {
  const value = +text;
  if (!Number.isFinite(value) || (value === 0 && text.trim() === '')) return Number.NaN;
  return value;
}

function parseLabel(text: string): 0 | 1 | undefined {
  if (text === '0') return 0;
  if (text === '1') return 1;
  const lower = text.trim().toLowerCase();
  if (lower === 'true') return 1;
  if (lower === 'false') return 0;
  const value = parseNumber(text);
  return value === 0 ? 0 : value === 1 ? 1 : undefined;
}

/**
 * Resolves the mapping's column names against a header. Fails at once, listing every missing
 * column and the columns the file does have, rather than on the first row.
 */
export function compileColumnMapping(mapping: ColumnMapping, header: readonly string[], file: string): RecordMapper {
  const problems: string[] = [];
  const indexOf = (name: string, role: string): number => {
    const first = header.indexOf(name);
    if (first === -1) problems.push(`no column "${name}" (${role})`);
    else if (header.indexOf(name, first + 1) !== -1) problems.push(`column "${name}" (${role}) appears more than once in the header`);
    return first;
  };
  const optional = (name: string | undefined, role: string) => (name === undefined ? -1 : indexOf(name, role));

  const label = indexOf(mapping.label, 'label');
  const id = optional(mapping.id, 'id');
  const time = indexOf(mapping.time.column, 'time');
  const account = optional(mapping.account, 'account');
  const merchant = optional(mapping.merchant, 'merchant');
  const amount = optional(mapping.amount, 'amount');

  // Patterns skip the label, excluded columns and the identifying columns; exact names skip nothing
  // but the label and excluded columns, which are refused outright because they leak the answer.
  const excluded = new Set([mapping.label, ...mapping.exclude]);
  const notPatternMatched = new Set([...excluded, mapping.id, mapping.time.column, mapping.account, mapping.merchant]);
  const featureIndices: number[] = [];
  for (const entry of mapping.features) {
    if (entry.includes('*')) {
      const pattern = globToRegExp(entry);
      const named = header.flatMap((name, index) => (pattern.test(name) ? [index] : []));
      const matched = named.filter((index) => !notPatternMatched.has(header[index] as string));
      if (named.length === 0) problems.push(`feature pattern "${entry}" matches no column`);
      else if (matched.length === 0) {
        const skipped = named.map((index) => `"${header[index]}"`).join(', ');
        problems.push(`feature pattern "${entry}" matches only ${skipped}, which patterns skip (label, excluded, id, time, account or merchant)`);
      }
      featureIndices.push(...matched);
    } else if (excluded.has(entry)) {
      problems.push(`column "${entry}" cannot be a feature: it is ${entry === mapping.label ? 'the label' : 'excluded by the mapping'}`);
    } else {
      featureIndices.push(indexOf(entry, 'feature'));
    }
  }
  if (problems.length > 0) {
    const columns = header.map((name) => JSON.stringify(name)).join(', ');
    throw new MappingError(`${file}: the column mapping does not fit this file:\n  ${problems.join('\n  ')}\nits columns are: ${columns}`, file);
  }
  const uniqueFeatures = [...new Set(featureIndices)];
  const featureNames = uniqueFeatures.map((index) => header[index] as string);

  const timeFormat = mapping.time;
  const defaultOffset = timeFormat.format === 'datetime' ? parseZoneOffset(timeFormat.timezone) : 0;
  const originMs = timeFormat.format === 'seconds-offset' ? Date.parse(timeFormat.origin) : 0;
  const timeExpected =
    timeFormat.format === 'datetime' ? 'a date-time like "2018-04-01 00:00:31" or ISO 8601' : `seconds since ${timeFormat.origin}`;

  const fail = (line: number, index: number, role: string, value: string, expected: string): never => {
    const name = header[index] as string;
    throw new MappingError(`${file}:${line}: column "${name}" (${role}): ${JSON.stringify(value)} is not ${expected}`, file, line, name);
  };
  const optionalText = (fields: readonly string[], index: number) => {
    if (index === -1) return undefined;
    const value = fields[index] as string;
    return value === '' ? undefined : value;
  };

  return {
    featureNames,
    toRecord(fields, line, index) {
      const labelText = fields[label] as string;
      const parsedLabel = parseLabel(labelText);
      if (parsedLabel === undefined) fail(line, label, 'label', labelText, '0 or 1 (or true/false)');

      const timeText = fields[time] as string;
      let timestampMs: number;
      if (timeFormat.format === 'datetime') timestampMs = parseDateTime(timeText, defaultOffset);
      else timestampMs = originMs + parseNumber(timeText) * 1000;
      if (Number.isNaN(timestampMs)) fail(line, time, 'time', timeText, timeExpected);

      let recordId = String(index);
      if (id !== -1) {
        recordId = fields[id] as string;
        if (recordId === '') fail(line, id, 'id', recordId, 'a non-empty id');
      }

      let parsedAmount: number | undefined;
      const amountText = optionalText(fields, amount);
      if (amountText !== undefined) {
        parsedAmount = parseNumber(amountText);
        if (Number.isNaN(parsedAmount)) fail(line, amount, 'amount', amountText, 'a number');
      }

      const features: Record<string, number> = {};
      for (let f = 0; f < uniqueFeatures.length; f++) {
        const column = uniqueFeatures[f] as number;
        const text = fields[column] as string;
        const value = parseNumber(text);
        if (Number.isNaN(value)) fail(line, column, 'feature', text, 'a finite number');
        features[featureNames[f] as string] = value;
      }

      return {
        id: recordId,
        timestampMs,
        accountId: optionalText(fields, account),
        merchantId: optionalText(fields, merchant),
        amount: parsedAmount,
        label: parsedLabel as 0 | 1,
        features,
      };
    },
  };
}
