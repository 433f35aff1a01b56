import type { AccountState, Transaction } from '../domain/index.ts';
import { addToDays } from './day-buckets.ts';
import { countryDistanceKm } from './geo.ts';

// The state lives with the account's partition and is written atomically with the decisions it shaped.
// These caps keep it bounded whatever the account's traffic.
export const RECENT_WINDOW_MS = 24 * 60 * 60 * 1000;
const MAX_RECENT = 500;
const MAX_KNOWN = 32;
const MAX_MERCHANTS = 64;
/** Card testing probes with tiny amounts; this is what counts as tiny, in the transaction's currency. */
export const SMALL_AMOUNT = 5;

export function emptyAccountState(): AccountState {
  return { recent: [], lastTimestampMs: null, lastCountry: null, devices: [], countries: [], txCount: 0, amountMean: 0, days: [], merchants: [] };
}

/** The facts a transaction states itself. A stored decision leaves them out; factsOf adds them back. */
export interface OwnFacts {
  transactionId: string;
  accountId: string;
  merchantId: string;
  merchantCategory: string;
  country: string;
  channel: string;
  currency: string;
  amount: number;
  deviceId: string;
}

/** The facts the account's history (and the transaction's time) adds: what a decision row stores. */
export interface AccountFacts {
  hourOfDayUtc: number;
  /** Transactions in the window ending at this one, this one included. */
  txCount1m: number;
  txCount10m: number;
  txCount1h: number;
  txCount24h: number;
  smallAmountCount10m: number;
  amountSum1h: number;
  /** Transactions this account made before this one (0 for a first transaction). */
  accountTxCount: number;
  amountToAccountMean: number;
  isNewDevice: boolean;
  isNewCountry: boolean;
  knownDeviceCount: number;
  lastCountry: string;
  minutesSinceLast: number;
  /** Speed needed to get from the last transaction's country to this one's; 0 when unknown or same. */
  travelSpeedKmh: number;
}

/** Facts a rule may test. Numbers and strings only, never undefined, so every rule sees every fact. */
export type TransactionFacts = OwnFacts & AccountFacts;

export const FACT_NAMES: ReadonlySet<string> = new Set<keyof TransactionFacts>([
  'transactionId', 'accountId', 'merchantId', 'merchantCategory', 'country', 'channel', 'currency', 'amount',
  'deviceId', 'hourOfDayUtc', 'txCount1m', 'txCount10m', 'txCount1h', 'txCount24h', 'smallAmountCount10m',
  'amountSum1h', 'accountTxCount', 'amountToAccountMean', 'isNewDevice', 'isNewCountry', 'knownDeviceCount',
  'lastCountry', 'minutesSinceLast', 'travelSpeedKmh',
]);

// Minutes reported for an account with no history: far beyond any window a rule would test.
const NO_HISTORY_MINUTES = 1e9;
// Two transactions a few seconds apart in different countries still imply travel at most this fast.
const MIN_TRAVEL_HOURS = 1 / 60;

/** Facts for `tx` given the account's state before it. */
export const deriveFacts = (state: AccountState, tx: Transaction): TransactionFacts => factsOf(tx, deriveAccountFacts(state, tx));

/**
 * A transaction's facts from its own fields and its account facts. A decision row stores only the
 * account facts; older rows hold every fact, and their own fields agree with these.
 */
export const factsOf = (tx: Transaction, account: AccountFacts): TransactionFacts => ({
  transactionId: tx.id,
  accountId: tx.accountId,
  merchantId: tx.merchantId,
  merchantCategory: tx.merchantCategory,
  country: tx.country,
  channel: tx.channel,
  currency: tx.currency,
  amount: tx.amount,
  deviceId: tx.deviceId ?? '',
  ...account,
});

export function deriveAccountFacts(state: AccountState, tx: Transaction): AccountFacts {
  const t = Date.parse(tx.timestamp);
  let txCount1m = 1;
  let txCount10m = 1;
  let txCount1h = 1;
  let txCount24h = 1;
  let smallAmountCount10m = tx.amount <= SMALL_AMOUNT ? 1 : 0;
  let amountSum1h = tx.amount;
  for (const past of state.recent) {
    const age = t - past.t;
    // Events later than this one (out-of-order arrival) are not in its past window.
    if (age < 0 || age >= RECENT_WINDOW_MS) continue;
    txCount24h++;
    if (age < 3_600_000) {
      txCount1h++;
      amountSum1h += past.amount;
    }
    if (age < 600_000) {
      txCount10m++;
      if (past.amount <= SMALL_AMOUNT) smallAmountCount10m++;
    }
    if (age < 60_000) txCount1m++;
  }
  const hasHistory = state.txCount > 0;
  const deviceId = tx.deviceId ?? '';
  const minutesSinceLast = state.lastTimestampMs === null ? NO_HISTORY_MINUTES : Math.max(0, t - state.lastTimestampMs) / 60_000;
  let travelSpeedKmh = 0;
  if (state.lastCountry !== null && state.lastCountry !== tx.country) {
    const km = countryDistanceKm(state.lastCountry, tx.country);
    if (km !== null) travelSpeedKmh = km / Math.max(minutesSinceLast / 60, MIN_TRAVEL_HOURS);
  }
  return {
    hourOfDayUtc: new Date(t).getUTCHours(),
    txCount1m,
    txCount10m,
    txCount1h,
    txCount24h,
    smallAmountCount10m,
    amountSum1h,
    accountTxCount: state.txCount,
    amountToAccountMean: hasHistory && state.amountMean > 0 ? tx.amount / state.amountMean : 1,
    isNewDevice: hasHistory && deviceId !== '' && !state.devices.includes(deviceId),
    isNewCountry: hasHistory && !state.countries.includes(tx.country),
    knownDeviceCount: state.devices.length,
    lastCountry: state.lastCountry ?? '',
    minutesSinceLast,
    travelSpeedKmh,
  };
}

const rememberLast = (list: readonly string[], value: string, max = MAX_KNOWN): string[] =>
  [...list.filter((item) => item !== value), value].slice(-max);

/** The account's state after `tx`. Returns a new object; the input is never changed. */
export function applyTransaction(state: AccountState, tx: Transaction): AccountState {
  const t = Date.parse(tx.timestamp);
  const newest = Math.max(t, state.lastTimestampMs ?? t);
  const recent = state.recent.filter((past) => newest - past.t < RECENT_WINDOW_MS);
  recent.push({ t, amount: tx.amount });
  recent.sort((a, b) => a.t - b.t);
  const isLatest = state.lastTimestampMs === null || t >= state.lastTimestampMs;
  const txCount = state.txCount + 1;
  return {
    recent: recent.slice(-MAX_RECENT),
    lastTimestampMs: newest,
    lastCountry: isLatest ? tx.country : state.lastCountry,
    devices: tx.deviceId === undefined ? state.devices : rememberLast(state.devices, tx.deviceId),
    countries: rememberLast(state.countries, tx.country),
    txCount,
    amountMean: state.amountMean + (tx.amount - state.amountMean) / txCount,
    days: addToDays(state.days, t, tx.amount),
    merchants: rememberLast(state.merchants, tx.merchantId, MAX_MERCHANTS),
  };
}
