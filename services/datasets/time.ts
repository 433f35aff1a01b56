/**
 * Date-time text → epoch milliseconds, without `Date.parse`: V8 reads "2018-04-01 00:00:31" (a
 * space, no zone) as *local* time, so the same file would give different timestamps on machines
 * in different zones. Here a value without a zone takes the zone the column mapping names.
 */

const DATE_TIME =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d+))?)?)?\s*(Z|z|[+-]\d{2}(?::?\d{2})?)?$/;

const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
const isLeap = (year: number) => (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;

/**
 * Minutes east of UTC for "UTC", "Z", "+HH:MM", "-HH:MM", "+HHMM" or "+HH"; NaN for anything
 * else (named zones such as "Europe/Brussels" are not supported: their offset changes with DST).
 */
export function parseZoneOffset(zone: string): number {
  if (zone === 'UTC' || zone === 'Z' || zone === 'z') return 0;
  const match = /^([+-])(\d{2})(?::?(\d{2}))?$/.exec(zone);
  if (match === null) return Number.NaN;
  const hours = Number(match[2]);
  const minutes = Number(match[3] ?? '0');
  if (hours > 23 || minutes > 59) return Number.NaN;
  return (match[1] === '-' ? -1 : 1) * (hours * 60 + minutes);
}

/**
 * Parses `YYYY-MM-DD`, `YYYY-MM-DD HH:MM[:SS[.fff]]` or the same with `T`, optionally followed by
 * `Z` or an offset. Values without a zone are read at `defaultOffsetMinutes` east of UTC.
 * Returns NaN for anything malformed or out of range (month 13, 31 April, 24:00, leap seconds).
 * Fractions beyond milliseconds are truncated.
 */
export function parseDateTime(text: string, defaultOffsetMinutes = 0): number {
  if (text.length === 19) {
    const fast = parseFixedDateTime(text);
    if (fast !== undefined) return fast - defaultOffsetMinutes * 60_000;
  }
  const match = DATE_TIME.exec(text);
  if (match === null) return Number.NaN;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  const hour = Number(match[4] ?? '0');
  const minute = Number(match[5] ?? '0');
  const second = Number(match[6] ?? '0');
  const millis = match[7] === undefined ? 0 : Number(match[7].slice(0, 3).padEnd(3, '0'));
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return Number.NaN;
  const monthDays = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day < 1 || day > monthDays) return Number.NaN;
  const offset = match[8] === undefined ? defaultOffsetMinutes : parseZoneOffset(match[8]);
  return Date.UTC(year, month - 1, day, hour, minute, second, millis) - offset * 60_000;
}

const digit = (text: string, at: number): number => {
  const code = text.charCodeAt(at) - 48;
  return code >= 0 && code <= 9 ? code : Number.NaN;
};
const twoDigits = (text: string, at: number) => digit(text, at) * 10 + digit(text, at + 1);

/**
 * Fast path for exactly `YYYY-MM-DD HH:MM:SS` (or with `T`), the shape of most dataset files: about
 * five times quicker than the regular expression on a million rows. Returns undefined for
 * anything else (including out-of-range fields), leaving the general parser to decide.
 */
function parseFixedDateTime(text: string): number | undefined {
  const sep = text.charCodeAt(10);
  if (text.charCodeAt(4) !== 45 || text.charCodeAt(7) !== 45 || (sep !== 32 && sep !== 84)) return undefined;
  if (text.charCodeAt(13) !== 58 || text.charCodeAt(16) !== 58) return undefined;
  const year = twoDigits(text, 0) * 100 + twoDigits(text, 2);
  const month = twoDigits(text, 5);
  const day = twoDigits(text, 8);
  const hour = twoDigits(text, 11);
  const minute = twoDigits(text, 14);
  const second = twoDigits(text, 17);
  // NaN fails every comparison, so a non-digit anywhere falls through to the general parser.
  if (!(month >= 1 && month <= 12 && hour <= 23 && minute <= 59 && second <= 59 && day >= 1 && year >= 0)) return undefined;
  const monthDays = month === 2 && isLeap(year) ? 29 : (DAYS_IN_MONTH[month - 1] as number);
  if (day > monthDays) return undefined;
  return Date.UTC(year, month - 1, day, hour, minute, second);
}
