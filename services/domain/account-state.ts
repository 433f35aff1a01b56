import { z } from 'zod';

/**
 * What Loupe remembers about one account between transactions (the `account_state` row, written in
 * the same database transaction as the decisions it shaped). Bounded in size whatever the traffic:
 * see features/account-state.ts for the caps.
 */
/** Transactions of one UTC calendar day: what 7- and 30-day windows are built from. */
export const DayBucketSchema = z.object({ day: z.number().int(), count: z.number().int().min(0), sum: z.number() });
export type DayBucket = z.infer<typeof DayBucketSchema>;

export const AccountStateSchema = z.object({
  /** Past transactions within the velocity horizon: event time (ms) and amount. */
  recent: z.array(z.object({ t: z.number(), amount: z.number() })),
  lastTimestampMs: z.number().nullable(),
  lastCountry: z.string().nullable(),
  /** Most recently used last. */
  devices: z.array(z.string()),
  countries: z.array(z.string()),
  txCount: z.number().int().min(0),
  /** Running mean of amounts, for "amount relative to this account's own habit". */
  amountMean: z.number(),
  // Added after the first release; states stored before have none and start empty.
  /** Per-day totals for the last 31 days, oldest first. */
  days: z.array(DayBucketSchema).default([]),
  /** Merchants this account paid, most recent last. */
  merchants: z.array(z.string()).default([]),
});
export type AccountState = z.infer<typeof AccountStateSchema>;
export type RecentTransaction = AccountState['recent'][number];
