import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { AccountState, Transaction } from '../domain/index.ts';
import { dayWindow } from './day-buckets.ts';
import { delayedWindow, type LabelHistories, type LabelHistory } from './label-history.ts';

const CategoricalField = z.enum(['merchantCategory', 'country', 'channel', 'currency']);
const IdentifierField = z.enum(['accountId', 'merchantId', 'deviceId', 'merchantCategory', 'country']);
const WINDOWS = { '10m': 600_000, '1h': 3_600_000, '1d': 86_400_000, '7d': 7, '30d': 30 } as const;
const Window = z.enum(['10m', '1h', '1d', '7d', '30d']);
const LabelWindow = z.enum(['1d', '7d', '30d']);
const LABEL_WINDOW_DAYS = { '1d': 1, '7d': 7, '30d': 30 } as const;
const LabelDelay = z.number().int().min(0).max(90).default(7);

/**
 * One entry of a feature spec. Each turns (account state before the transaction, transaction) into
 * one or more numbers, scaled so that raw magnitudes stay within a few units before normalisation.
 */
export const FeatureDefSchema = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('log-amount') }),
  /** The amount as is: large amounts stay far from the rest after normalisation (log compresses them). */
  z.strictObject({ kind: z.literal('amount') }),
  z.strictObject({ kind: z.literal('cyclic'), of: z.enum(['hour-of-day', 'day-of-week']) }),
  /**
   * 1 or 0, read from the clock as written in the timestamp (as `cyclic` does): `weekend` is
   * Saturday or Sunday, `night` is before 07:00 (the handbook's TX_DURING_WEEKEND and
   * TX_DURING_NIGHT, hour <= 6). A flag keeps the hard edge that a cyclic encoding smooths away.
   */
  z.strictObject({ kind: z.literal('calendar-flag'), flag: z.enum(['weekend', 'night']) }),
  z.strictObject({ kind: z.literal('one-hot'), field: CategoricalField, vocabulary: z.array(z.string()).min(1) }),
  z.strictObject({ kind: z.literal('hashed'), field: IdentifierField, buckets: z.number().int().min(2).max(4096) }),
  /** count and sum are log1p-scaled; mean (sum / count) is the account's average amount, unscaled. */
  z.strictObject({ kind: z.literal('account-window'), stat: z.enum(['count', 'sum', 'mean']), window: Window }),
  z.strictObject({ kind: z.literal('amount-to-account-mean') }),
  z.strictObject({ kind: z.literal('time-since-last') }),
  z.strictObject({ kind: z.literal('is-new'), of: z.enum(['merchant', 'country', 'device']) }),
  /** A pre-engineered number carried in the transaction's `features` (or a CSV column mapped there). */
  z.strictObject({ kind: z.literal('message'), name: z.string().min(1), default: z.number().default(0) }),
  /** The merchant's transactions over a day window ending `delayDays` before this one (log1p). */
  z.strictObject({ kind: z.literal('merchant-window'), window: LabelWindow, delayDays: LabelDelay }),
  /** Share of the merchant's transactions in that window later confirmed as fraud: labels-derived. */
  z.strictObject({ kind: z.literal('merchant-risk'), window: LabelWindow, delayDays: LabelDelay }),
  /** The account's transactions in that window confirmed as fraud (log1p): labels-derived. */
  z.strictObject({ kind: z.literal('account-fraud'), window: LabelWindow, delayDays: LabelDelay }),
]);
export type FeatureDef = z.infer<typeof FeatureDefSchema>;

export const FeatureSpecSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  features: z.array(FeatureDefSchema).min(1),
  /**
   * The autoencoder's shape for these inputs, when it is not the default (services/model/autoencoder.ts
   * checks it, activation included, when it trains). Part of the spec's version: a network is fitted
   * to its inputs, and models record the spec they were trained with.
   */
  network: z
    .strictObject({
      hidden: z.array(z.number().int().min(1).max(4096)).max(8),
      latent: z.number().int().min(1).max(4096),
      activation: z.string(),
    })
    .optional(),
});
export type FeatureSpec = z.infer<typeof FeatureSpecSchema>;

export interface CompiledFeatureSpec {
  spec: FeatureSpec;
  /** `<name>-<hash of the spec>`: stored with every model and decision. */
  version: string;
  names: readonly string[];
  /**
   * Days of labelled merchant and account history the spec reads (window plus label delay), 0 where
   * it has no such features. A spec with either needs those histories, with labels, to encode.
   */
  labelHistoryDays: { merchant: number; account: number };
  /** Writes the row for `tx` (given its account's state, and label histories, before it) into `out` at `offset`. */
  encode(state: AccountState, tx: Transaction, out?: Float32Array, offset?: number, histories?: LabelHistories): Float32Array;
}

// The handbook's night is hours 0 to 6 (`hour <= 6`): up to 07:00, with the minutes of hour 6 included.
const NIGHT_ENDS_HOUR = 7;

// Accounts with no earlier transaction: treat the gap as a month, the longest window we look at.
const NO_HISTORY_MINUTES = 30 * 24 * 60;

/** FNV-1a: stable across runs and machines, unlike any built-in hash. */
function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** Hour and weekday in the transaction's own time zone, as written in its timestamp. */
function localClock(timestamp: string): { hour: number; weekday: number } {
  const match = /([+-])(\d{2}):(\d{2})$/.exec(timestamp);
  const offsetMs = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) * 60_000 : 0;
  const local = new Date(Date.parse(timestamp) + offsetMs);
  return { hour: local.getUTCHours() + local.getUTCMinutes() / 60, weekday: local.getUTCDay() };
}

function windowTotals(state: AccountState, tx: Transaction, window: keyof typeof WINDOWS): { count: number; sum: number } {
  const t = Date.parse(tx.timestamp);
  if (window === '7d' || window === '30d') {
    const { count, sum } = dayWindow(state.days, t, WINDOWS[window]);
    return { count: count + 1, sum: sum + tx.amount };
  }
  let count = 1;
  let sum = tx.amount;
  for (const past of state.recent) {
    const age = t - past.t;
    if (age >= 0 && age < WINDOWS[window]) {
      count++;
      sum += past.amount;
    }
  }
  return { count, sum };
}

type Encoder = {
  names: string[];
  write(state: AccountState, tx: Transaction, out: Float32Array, at: number, histories: LabelHistories | undefined): void;
};

function historyOf(histories: LabelHistories | undefined, of: keyof LabelHistories, tx: Transaction): LabelHistory {
  const history = histories?.[of];
  if (history === undefined) throw new Error(`transaction ${tx.id}: this feature spec needs the ${of}'s labelled history, and none was given`);
  return history;
}

function encoderFor(def: FeatureDef): Encoder {
  switch (def.kind) {
    case 'log-amount':
      return { names: ['log_amount'], write: (_s, tx, out, at) => void (out[at] = Math.log1p(tx.amount)) };
    case 'amount':
      return { names: ['amount'], write: (_s, tx, out, at) => void (out[at] = tx.amount) };
    case 'cyclic': {
      const [period, label] = def.of === 'hour-of-day' ? [24, 'hour'] : [7, 'weekday'];
      return {
        names: [`${label}_sin`, `${label}_cos`],
        write: (_s, tx, out, at) => {
          const clock = localClock(tx.timestamp);
          const angle = (2 * Math.PI * (def.of === 'hour-of-day' ? clock.hour : clock.weekday)) / period;
          out[at] = Math.sin(angle);
          out[at + 1] = Math.cos(angle);
        },
      };
    }
    case 'calendar-flag':
      return {
        names: [`is_${def.flag}`],
        write: (_s, tx, out, at) => {
          const clock = localClock(tx.timestamp);
          out[at] = (def.flag === 'weekend' ? clock.weekday === 0 || clock.weekday === 6 : clock.hour < NIGHT_ENDS_HOUR) ? 1 : 0;
        },
      };
    case 'one-hot': {
      const index = new Map(def.vocabulary.map((value, i) => [value, i]));
      return {
        // The last slot collects every value outside the vocabulary, including ones never seen in training.
        names: [...def.vocabulary.map((value) => `${def.field}=${value}`), `${def.field}=other`],
        write: (_s, tx, out, at) => {
          out.fill(0, at, at + def.vocabulary.length + 1);
          out[at + (index.get(tx[def.field]) ?? def.vocabulary.length)] = 1;
        },
      };
    }
    case 'hashed':
      return {
        names: Array.from({ length: def.buckets }, (_, i) => `${def.field}#${i}`),
        write: (_s, tx, out, at) => {
          out.fill(0, at, at + def.buckets);
          const value = tx[def.field];
          // A missing optional id (no deviceId) is all zeros rather than a bucket of its own.
          if (value !== undefined) out[at + (fnv1a(value) % def.buckets)] = 1;
        },
      };
    case 'account-window':
      return {
        names: [`account_${def.stat}_${def.window}`],
        write: (state, tx, out, at) => {
          const totals = windowTotals(state, tx, def.window);
          out[at] = def.stat === 'mean' ? totals.sum / totals.count : Math.log1p(def.stat === 'count' ? totals.count : totals.sum);
        },
      };
    case 'amount-to-account-mean':
      return {
        names: ['log_amount_to_account_mean'],
        write: (state, tx, out, at) => {
          out[at] = state.txCount > 0 && state.amountMean > 0 ? Math.log1p(tx.amount) - Math.log1p(state.amountMean) : 0;
        },
      };
    case 'time-since-last':
      return {
        names: ['log_minutes_since_last'],
        write: (state, tx, out, at) => {
          const minutes = state.lastTimestampMs === null ? NO_HISTORY_MINUTES : Math.max(0, Date.parse(tx.timestamp) - state.lastTimestampMs) / 60_000;
          out[at] = Math.log1p(Math.min(minutes, NO_HISTORY_MINUTES));
        },
      };
    case 'is-new':
      return {
        names: [`new_${def.of}`],
        write: (state, tx, out, at) => {
          const [known, value] =
            def.of === 'merchant' ? [state.merchants, tx.merchantId] : def.of === 'country' ? [state.countries, tx.country] : [state.devices, tx.deviceId];
          // Nothing is "new" for an account without history, and a missing device is not a new one.
          out[at] = state.txCount > 0 && value !== undefined && !known.includes(value) ? 1 : 0;
        },
      };
    case 'message':
      return { names: [def.name], write: (_s, tx, out, at) => void (out[at] = tx.features?.[def.name] ?? def.default) };
    case 'merchant-window':
    case 'merchant-risk': {
      const windowDays = LABEL_WINDOW_DAYS[def.window];
      return {
        names: [`merchant_${def.kind === 'merchant-window' ? 'count' : 'risk'}_${def.window}_delay${def.delayDays}d`],
        write: (_s, tx, out, at, histories) => {
          const { count, frauds } = delayedWindow(historyOf(histories, 'merchant', tx), Date.parse(tx.timestamp), windowDays, def.delayDays);
          out[at] = def.kind === 'merchant-window' ? Math.log1p(count) : count === 0 ? 0 : frauds / count;
        },
      };
    }
    case 'account-fraud': {
      const windowDays = LABEL_WINDOW_DAYS[def.window];
      return {
        names: [`account_frauds_${def.window}_delay${def.delayDays}d`],
        write: (_s, tx, out, at, histories) => {
          out[at] = Math.log1p(delayedWindow(historyOf(histories, 'account', tx), Date.parse(tx.timestamp), windowDays, def.delayDays).frauds);
        },
      };
    }
  }
}

export function featureSpecVersion(spec: FeatureSpec): string {
  return `${spec.name}-${createHash('sha256').update(JSON.stringify(spec.features)).digest('hex').slice(0, 12)}`;
}

/** Validates a spec and prepares its encoder; throws a zod error naming the bad entry. */
export function compileFeatureSpec(input: unknown): CompiledFeatureSpec {
  const spec = FeatureSpecSchema.parse(input);
  const encoders = spec.features.map(encoderFor);
  const names = encoders.flatMap((encoder) => encoder.names);
  const offsets: number[] = [];
  let size = 0;
  for (const encoder of encoders) {
    offsets.push(size);
    size += encoder.names.length;
  }
  if (new Set(names).size !== names.length) throw new Error(`feature spec "${spec.name}" produces duplicate feature names`);
  const daysOf = (of: 'merchant' | 'account') =>
    Math.max(
      0,
      ...spec.features.map((def) =>
        (of === 'merchant' && (def.kind === 'merchant-window' || def.kind === 'merchant-risk')) || (of === 'account' && def.kind === 'account-fraud')
          ? LABEL_WINDOW_DAYS[def.window] + def.delayDays + 1
          : 0,
      ),
    );
  const labelHistoryDays = { merchant: daysOf('merchant'), account: daysOf('account') };
  return {
    spec,
    version: featureSpecVersion(spec),
    names,
    labelHistoryDays,
    encode(state, tx, out = new Float32Array(size), offset = 0, histories = undefined) {
      encoders.forEach((encoder, i) => encoder.write(state, tx, out, offset + offsets[i]!, histories));
      return out;
    },
  };
}
