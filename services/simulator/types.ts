import type { Channel, Transaction } from '../domain/index.ts';

export const FRAUD_PATTERNS = ['card_testing', 'account_takeover', 'large_amount', 'risky_merchant'] as const;
export type FraudPattern = (typeof FRAUD_PATTERNS)[number];

export interface SimulatorOptions {
  seed: number;
  accounts: number;
  merchants: number;
  /** Event time of the first transaction (ms since the epoch). */
  startMs: number;
  /**
   * Aggregate event-time rate of legitimate traffic; events are spaced by exponential inter-arrivals.
   * Each account sees about ratePerSecond / accounts of it (busier accounts more), so keep that ratio
   * realistic (a few transactions per account per day) or the velocity rules fire on normal traffic.
   */
  ratePerSecond: number;
  /** Probability, in [0, 1], that an arrival starts a fraud episode instead of a normal transaction. */
  fraudRate: number;
  /** Which patterns may be injected by `fraudRate`; all by default. */
  patterns?: FraudPattern[];
}

export interface GroundTruth {
  fraud: boolean;
  pattern: FraudPattern | null;
  episodeId: string | null;
}

export interface SimulatedTransaction {
  transaction: Transaction;
  truth: GroundTruth;
}

/** The channels normal traffic uses; moto, atm and transfer are left to dedicated producers. */
export type RetailChannel = Extract<Channel, 'card_present' | 'contactless' | 'ecommerce' | 'recurring'>;

/** An account's habits, fixed for the life of the simulator. */
export interface AccountProfile {
  index: number;
  id: string;
  homeCountry: string;
  currency: string;
  /** Local time offset from UTC, in hours, including the account's own early/late habit. */
  localOffsetHours: number;
  /** Devices the holder reuses, most used first. */
  devices: readonly string[];
  /** Relative weights of the channels the holder uses. */
  channelWeights: Readonly<Record<RetailChannel, number>>;
  /** Median amount of an everyday purchase, in the account's currency. */
  typicalAmount: number;
  /** Log-space spread of the holder's amounts around `typicalAmount` scaled by merchant category. */
  amountSigma: number;
  /** Relative busyness; heavy-tailed, so a few accounts make much of the traffic. */
  activity: number;
  /** Merchant indexes the holder returns to. */
  favouriteMerchants: readonly number[];
  /** Where the holder's online purchases usually come from. */
  homeIp: string;
}

export interface MerchantProfile {
  index: number;
  id: string;
  merchantCategory: string;
  country: string;
  channels: readonly RetailChannel[];
  risky: boolean;
}

export interface Simulator {
  /** Next event; event time never decreases. */
  next(): SimulatedTransaction;
  take(n: number): SimulatedTransaction[];
  /**
   * Injects an episode of the given pattern for the given account (or one picked by activity),
   * starting at the current event time. Returned in event-time order and also queued, so next()
   * interleaves it with normal traffic.
   */
  inject(pattern: FraudPattern, accountIndex?: number): SimulatedTransaction[];
  /** The simulated population, for tests and for reading the truth behind a stream. */
  readonly accounts: readonly AccountProfile[];
  readonly merchants: readonly MerchantProfile[];
}
