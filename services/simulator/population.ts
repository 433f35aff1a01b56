// Accounts and merchants: who buys, where, how much and how often. Fixed for the life of a simulator
// and drawn from their own random stream, so the same seed gives the same population whatever the
// traffic does afterwards.
import type { Random } from './random.ts';
import { CATEGORIES, COUNTRIES, UNITS_PER_EUR } from './reference-data.ts';
import type { AccountProfile, MerchantProfile, RetailChannel } from './types.ts';

export interface Population {
  accounts: AccountProfile[];
  merchants: MerchantProfile[];
  /** Merchant indexes by `${country}/${channel}`. */
  merchantsByCountryChannel: ReadonlyMap<string, readonly number[]>;
  merchantsByChannel: ReadonlyMap<RetailChannel, readonly number[]>;
  merchantsByMcc: ReadonlyMap<string, readonly number[]>;
  riskyMerchants: readonly number[];
  /** Devices fraudsters reuse across victims (card testing rigs, emulators). */
  fraudDevices: readonly string[];
}

const FRAUD_DEVICE_POOL = 40;

export const accountId = (index: number) => `acct-${String(index).padStart(6, '0')}`;
export const merchantId = (index: number) => `merch-${String(index).padStart(5, '0')}`;
/** Device ids look alike whoever holds them, so an id alone does not give the truth away. */
export const deviceId = (owner: number, n: number) => `dev-${String(owner).padStart(6, '0')}-${n}`;

const round2 = (value: number) => Math.round(value * 100) / 100;
const push = <K, V>(map: Map<K, V[]>, key: K, value: V) => {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
};

/** A public-looking IPv4 address (first octet avoids 0, 10, 100, 127, 169, 172 and 192). */
export function randomIp(random: Random): string {
  const first = random.pick([23, 31, 37, 46, 62, 77, 78, 81, 84, 88, 91, 95, 104, 109, 145, 176, 185, 188, 212, 213, 217]);
  return `${first}.${random.int(0, 255)}.${random.int(0, 255)}.${random.int(1, 254)}`;
}

function createMerchants(random: Random, count: number): MerchantProfile[] {
  const countryWeights = COUNTRIES.map((country) => country.merchantWeight);
  const categoryWeights = CATEGORIES.map((info) => info.weight);
  const merchants: MerchantProfile[] = [];
  for (let index = 0; index < count; index++) {
    const country = COUNTRIES[random.weightedIndex(countryWeights)]!;
    const info = CATEGORIES[random.weightedIndex(categoryWeights)]!;
    merchants.push({
      index,
      id: merchantId(index),
      merchantCategory: info.mcc,
      country: country.code,
      channels: info.channels,
      risky: info.risky,
    });
  }
  // The risky_merchant pattern, and the ecommerce fallback of normal traffic, need at least one
  // risky (online-only) merchant even in a tiny population.
  if (!merchants.some((merchant) => merchant.risky)) {
    const last = merchants[merchants.length - 1]!;
    const gambling = CATEGORIES.find((info) => info.risky)!;
    merchants[merchants.length - 1] = { ...last, merchantCategory: gambling.mcc, channels: gambling.channels, risky: true };
  }
  return merchants;
}

function channelWeights(random: Random, homeCountry: string): Record<RetailChannel, number> {
  // Contactless is everyday habit in Europe, still catching up in North America.
  const contactless = homeCountry === 'US' || homeCountry === 'CA' ? 0.15 : 0.35;
  const spread = () => random.lognormal(1, 0.5);
  return {
    card_present: 0.3 * spread(),
    contactless: contactless * spread(),
    ecommerce: 0.28 * spread(),
    recurring: 0.07 * spread(),
  };
}

function createAccounts(random: Random, count: number, merchants: readonly MerchantProfile[], byCountry: Map<string, number[]>): AccountProfile[] {
  const homes = COUNTRIES.filter((country) => country.homeWeight > 0);
  const homeWeights = homes.map((country) => country.homeWeight);
  // Favourites are everyday merchants: a favourite gambling or crypto site, picked for every online
  // purchase it can serve, would make risky categories a large share of some accounts' traffic.
  const everydayByCountry = new Map<string, number[]>();
  for (const [country, indexes] of byCountry) {
    const everyday = indexes.filter((index) => !merchants[index]!.risky);
    if (everyday.length > 0) everydayByCountry.set(country, everyday);
  }
  const allMerchants = merchants.map((merchant) => merchant.index);
  const accounts: AccountProfile[] = [];
  for (let index = 0; index < count; index++) {
    const home = homes[random.weightedIndex(homeWeights)]!;
    const deviceCount = 1 + random.weightedIndex([3, 5, 2]);
    const devices = Array.from({ length: deviceCount }, (_, n) => deviceId(index, n + 1));
    // Median everyday purchase of 20-80 EUR or its equivalent: most between 25 and 60.
    const typicalEur = Math.min(80, Math.max(20, random.lognormal(38, 0.3)));
    const candidates = everydayByCountry.get(home.code) ?? allMerchants;
    const favouriteCount = Math.min(candidates.length, random.int(3, 8));
    const favourites = new Set<number>();
    while (favourites.size < favouriteCount) favourites.add(random.pick(candidates));
    accounts.push({
      index,
      id: accountId(index),
      homeCountry: home.code,
      currency: home.currency,
      // Early birds and night owls: the daily rhythm shifted by up to an hour earlier or two later.
      localOffsetHours: home.utcOffsetHours - random.int(-1, 2),
      devices,
      channelWeights: channelWeights(random, home.code),
      typicalAmount: round2(typicalEur * (UNITS_PER_EUR[home.currency] ?? 1)),
      amountSigma: random.between(0.45, 0.8),
      // Heavy-tailed: the busiest accounts make ten times or more the median account's traffic.
      activity: random.lognormal(1, 0.8),
      favouriteMerchants: [...favourites].sort((a, b) => a - b),
      homeIp: randomIp(random),
    });
  }
  return accounts;
}

export function createPopulation(random: Random, accountCount: number, merchantCount: number): Population {
  const merchants = createMerchants(random, merchantCount);
  const byCountry = new Map<string, number[]>();
  const byCountryChannel = new Map<string, number[]>();
  const byChannel = new Map<RetailChannel, number[]>();
  const byMcc = new Map<string, number[]>();
  for (const merchant of merchants) {
    push(byCountry, merchant.country, merchant.index);
    push(byMcc, merchant.merchantCategory, merchant.index);
    for (const channel of merchant.channels) {
      push(byChannel, channel, merchant.index);
      push(byCountryChannel, `${merchant.country}/${channel}`, merchant.index);
    }
  }
  const accounts = createAccounts(random, accountCount, merchants, byCountry);
  const fraudDevices = Array.from({ length: FRAUD_DEVICE_POOL }, () => deviceId(random.int(0, 999_999), random.int(1, 3)));
  return {
    accounts,
    merchants,
    merchantsByCountryChannel: byCountryChannel,
    merchantsByChannel: byChannel,
    merchantsByMcc: byMcc,
    riskyMerchants: merchants.filter((merchant) => merchant.risky).map((merchant) => merchant.index),
    fraudDevices,
  };
}
