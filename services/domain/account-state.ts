import { z } from 'zod';

/**
 * What Loupe remembers about one account between transactions (the `account_state` row, written in
 * the same database transaction as the decisions it shaped). Bounded in size whatever the traffic:
 * see features/account-state.ts for the caps.
 */
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
});
export type AccountState = z.infer<typeof AccountStateSchema>;
export type RecentTransaction = AccountState['recent'][number];
