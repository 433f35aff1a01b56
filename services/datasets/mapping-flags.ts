import { type ColumnMapping, loadColumnMapping, parseColumnMapping } from './column-mapping.ts';

/** Options for `node:util` `parseArgs`, so every command spells the mapping flags the same way. */
export const MAPPING_FLAG_OPTIONS = {
  mapping: { type: 'string' },
  label: { type: 'string' },
  id: { type: 'string' },
  time: { type: 'string' },
  'time-format': { type: 'string' },
  timezone: { type: 'string' },
  'time-origin': { type: 'string' },
  account: { type: 'string' },
  merchant: { type: 'string' },
  amount: { type: 'string' },
  features: { type: 'string' },
  exclude: { type: 'string' },
} as const;

export type MappingFlags = Partial<Record<Exclude<keyof typeof MAPPING_FLAG_OPTIONS, 'mapping'>, string>>;

const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);

/**
 * A mapping from flags, each overriding `base` (a loaded `--mapping` file) when given:
 * `--label C --id C --time C --time-format datetime|seconds-offset --timezone Z --time-origin ISO
 * --account C --merchant C --amount C --features 'V*,Amount' --exclude A,B`.
 */
export function columnMappingFromFlags(flags: MappingFlags, base?: ColumnMapping): ColumnMapping {
  const raw: Record<string, unknown> = base === undefined ? {} : structuredClone(base);
  for (const key of ['label', 'id', 'account', 'merchant', 'amount'] as const) {
    if (flags[key] !== undefined) raw[key] = flags[key];
  }
  if (flags.features !== undefined) raw['features'] = list(flags.features);
  if (flags.exclude !== undefined) raw['exclude'] = list(flags.exclude);
  const timeFlagGiven = [flags.time, flags['time-format'], flags.timezone, flags['time-origin']].some((v) => v !== undefined);
  if (timeFlagGiven) {
    const baseTime = (base?.time ?? {}) as Record<string, unknown>;
    const format = flags['time-format'] ?? baseTime['format'] ?? (flags['time-origin'] !== undefined ? 'seconds-offset' : 'datetime');
    const time: Record<string, unknown> = { format, column: flags.time ?? baseTime['column'] };
    if (format === 'datetime') time['timezone'] = flags.timezone ?? (baseTime['format'] === 'datetime' ? baseTime['timezone'] : undefined);
    if (format === 'seconds-offset') time['origin'] = flags['time-origin'] ?? (baseTime['format'] === 'seconds-offset' ? baseTime['origin'] : undefined);
    raw['time'] = time;
  }
  return parseColumnMapping(raw, base === undefined ? 'command line' : 'command line and mapping file');
}

/**
 * The mapping a command was given: `--mapping FILE|handbook|ulb-creditcard` if present, with any
 * other mapping flag overriding it; otherwise the flags alone.
 */
export async function columnMappingFromCommandLine(flags: MappingFlags & { mapping?: string | undefined }): Promise<ColumnMapping> {
  const { mapping, ...rest } = flags;
  if (mapping === undefined) return columnMappingFromFlags(rest);
  const base = await loadColumnMapping(mapping);
  return Object.values(rest).some((value) => value !== undefined) ? columnMappingFromFlags(rest, base) : base;
}
