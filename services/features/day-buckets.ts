import type { DayBucket } from '../domain/index.ts';

const DAY_MS = 86_400_000;
/** Enough for a 30-day window that includes the current day. */
export const KEPT_DAYS = 31;

export const utcDay = (timeMs: number) => Math.floor(timeMs / DAY_MS);

/** `days` with one transaction added; days older than KEPT_DAYS before the newest are dropped. */
export function addToDays(days: readonly DayBucket[], timeMs: number, amount: number): DayBucket[] {
  const day = utcDay(timeMs);
  const next = days.map((bucket) => (bucket.day === day ? { day, count: bucket.count + 1, sum: bucket.sum + amount } : bucket));
  if (!next.some((bucket) => bucket.day === day)) {
    next.push({ day, count: 1, sum: amount });
    next.sort((a, b) => a.day - b.day);
  }
  const newest = next[next.length - 1]!.day;
  return next.filter((bucket) => bucket.day > newest - KEPT_DAYS);
}

/**
 * Count and sum over the `windowDays` UTC calendar days ending with the day of `timeMs` (that day
 * included). Calendar alignment keeps the state to one bucket a day; the 10-minute and 1-hour
 * windows, which need exact edges, come from the account's recent transactions instead.
 */
export function dayWindow(days: readonly DayBucket[], timeMs: number, windowDays: number): { count: number; sum: number } {
  const day = utcDay(timeMs);
  let count = 0;
  let sum = 0;
  for (const bucket of days) {
    if (bucket.day <= day && bucket.day > day - windowDays) {
      count += bucket.count;
      sum += bucket.sum;
    }
  }
  return { count, sum };
}
