// The simulator's mutable state and the building blocks both normal traffic and fraud episodes use:
// choosing a merchant that fits a channel, an amount that fits an account, a device, an id.
import type { Transaction } from '../domain/index.ts';
import type { AccountPicker } from './account-picker.ts';
import type { Population } from './population.ts';
import type { Random } from './random.ts';
import { CATEGORY_BY_MCC } from './reference-data.ts';
import type { AccountProfile, MerchantProfile, RetailChannel } from './types.ts';

/**
 * What the simulator remembers per account while it runs: a few numbers and two small capped lists,
 * so memory stays proportional to the population however many events are produced.
 */
export interface AccountRuntime {
  /** Event time of the holder's last own transaction; null before the first. */
  lastLegitMs: number | null;
  /** Where the holder is now: home, or the country of a trip in progress. */
  location: string;
  /** Own transactions left before the holder heads home from a trip. */
  tripRemaining: number;
  /** Countries transactions of this account were made in, by the holder or by fraudsters. */
  countries: string[];
  /** Devices fraudsters used on this account. */
  fraudDevices: string[];
}

export interface World {
  seed: number;
  random: Random;
  population: Population;
  picker: AccountPicker;
  runtime: AccountRuntime[];
  nextTransactionId(): string;
  nextEpisodeId(): string;
}

const MAX_REMEMBERED = 32;
// Share of a holder's purchases at home made at one of their favourite merchants.
const FAVOURITE_SHARE = 0.6;

export function createWorld(seed: number, random: Random, population: Population, picker: AccountPicker): World {
  let transactions = 0;
  let episodes = 0;
  return {
    seed,
    random,
    population,
    picker,
    runtime: population.accounts.map((account) => ({
      lastLegitMs: null,
      location: account.homeCountry,
      tripRemaining: 0,
      countries: [account.homeCountry],
      fraudDevices: [],
    })),
    nextTransactionId: () => `tx-${seed}-${++transactions}`,
    nextEpisodeId: () => `ep-${seed}-${++episodes}`,
  };
}

/** Adds `value` to a small most-recent-last list, dropping the oldest beyond the cap. */
export function remember(list: string[], value: string): void {
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  list.push(value);
  if (list.length > MAX_REMEMBERED) list.shift();
}

export const round2 = (value: number) => Math.round(value * 100) / 100;

export interface TransactionDraft {
  timeMs: number;
  account: AccountProfile;
  merchant: MerchantProfile;
  amount: number;
  /** Where the transaction is made: the holder's location, or a fraudster's. */
  country: string;
  channel: RetailChannel;
  deviceId?: string | undefined;
  ip?: string | undefined;
}

export function buildTransaction(world: World, draft: TransactionDraft): Transaction {
  const transaction: Transaction = {
    id: world.nextTransactionId(),
    timestamp: new Date(draft.timeMs).toISOString(),
    accountId: draft.account.id,
    amount: draft.amount,
    currency: draft.account.currency,
    merchantId: draft.merchant.id,
    merchantCategory: draft.merchant.merchantCategory,
    country: draft.country,
    channel: draft.channel,
  };
  // Optional fields are left out rather than set to undefined, so the JSON on the wire is clean.
  if (draft.deviceId !== undefined) transaction.deviceId = draft.deviceId;
  if (draft.ip !== undefined) transaction.ip = draft.ip;
  return transaction;
}

/**
 * A merchant that takes `channel` in `country`: a favourite when the holder is at home, else any local
 * one. Online channels fall back to merchants abroad; in-person channels with no local merchant turn
 * into an online purchase, which only happens in populations too small to cover every country.
 */
export function pickMerchant(
  world: World,
  account: AccountProfile | null,
  country: string,
  channel: RetailChannel,
): { merchant: MerchantProfile; channel: RetailChannel } {
  const { random, population } = world;
  const merchants = population.merchants;
  if (account !== null && country === account.homeCountry && random.chance(FAVOURITE_SHARE)) {
    const favourites = account.favouriteMerchants.filter((index) => merchants[index]!.channels.includes(channel));
    if (favourites.length > 0) return { merchant: merchants[random.pick(favourites)]!, channel };
  }
  const local = population.merchantsByCountryChannel.get(`${country}/${channel}`);
  if (local !== undefined) return { merchant: merchants[random.pick(local)]!, channel };
  const online = channel === 'ecommerce' || channel === 'recurring' ? population.merchantsByChannel.get(channel) : undefined;
  if (online !== undefined) return { merchant: merchants[random.pick(online)]!, channel };
  // Every population has a risky merchant, and those all sell online, so this list is never empty.
  const anyOnline = population.merchantsByCountryChannel.get(`${country}/ecommerce`) ?? population.merchantsByChannel.get('ecommerce')!;
  return { merchant: merchants[random.pick(anyOnline)]!, channel: 'ecommerce' };
}

/** An everyday amount for this account at this kind of merchant, in the account's currency. */
export function habitualAmount(random: Random, account: AccountProfile, merchant: MerchantProfile): number {
  const factor = CATEGORY_BY_MCC.get(merchant.merchantCategory)?.amountFactor ?? 1;
  return Math.max(0.2, round2(account.typicalAmount * factor * Math.exp(account.amountSigma * random.normal())));
}

/**
 * One of the holder's own devices, when the channel reports one: always online (the phone or laptop
 * used to shop), often for contactless (a phone wallet), rarely at a card terminal, never for
 * recurring charges, which the merchant initiates.
 */
export function ownDevice(random: Random, account: AccountProfile, channel: RetailChannel): string | undefined {
  const primary = account.devices[0]!;
  switch (channel) {
    case 'ecommerce':
      return random.chance(0.7) ? primary : random.pick(account.devices);
    case 'contactless':
      return random.chance(0.4) ? primary : undefined;
    case 'card_present':
      return random.chance(0.1) ? primary : undefined;
    case 'recurring':
      return undefined;
  }
}
