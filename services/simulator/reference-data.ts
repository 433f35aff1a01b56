// The world the simulator draws from: countries, merchant categories, daily rhythm. Every country
// here has a centroid in features/geo.ts, so the travel facts are defined for all simulated traffic.
import type { RetailChannel } from './types.ts';

export interface CountryInfo {
  code: string;
  /** Relative share of account holders living here (0: merchants only, a travel destination). */
  homeWeight: number;
  /** Relative share of merchants located here. */
  merchantWeight: number;
  /** Currency of accounts held here. */
  currency: string;
  /** Standard-time offset from UTC; daylight saving is ignored, an hour does not change the rhythm. */
  utcOffsetHours: number;
  /** Where holders go on a trip: near enough to reach by car, train or a short flight. */
  neighbours: readonly string[];
}

export const COUNTRIES: readonly CountryInfo[] = [
  { code: 'US', homeWeight: 20, merchantWeight: 20, currency: 'USD', utcOffsetHours: -5, neighbours: ['CA', 'MX'] },
  { code: 'DE', homeWeight: 16, merchantWeight: 15, currency: 'EUR', utcOffsetHours: 1, neighbours: ['FR', 'NL', 'AT', 'CH', 'BE', 'DK', 'PL'] },
  { code: 'GB', homeWeight: 14, merchantWeight: 13, currency: 'GBP', utcOffsetHours: 0, neighbours: ['IE', 'FR', 'ES', 'NL'] },
  { code: 'FR', homeWeight: 12, merchantWeight: 12, currency: 'EUR', utcOffsetHours: 1, neighbours: ['ES', 'IT', 'BE', 'CH', 'DE', 'GB'] },
  { code: 'NL', homeWeight: 7, merchantWeight: 6, currency: 'EUR', utcOffsetHours: 1, neighbours: ['BE', 'DE', 'FR', 'GB'] },
  { code: 'ES', homeWeight: 7, merchantWeight: 7, currency: 'EUR', utcOffsetHours: 1, neighbours: ['PT', 'FR', 'IT'] },
  { code: 'IT', homeWeight: 7, merchantWeight: 7, currency: 'EUR', utcOffsetHours: 1, neighbours: ['FR', 'CH', 'AT', 'GR', 'HR'] },
  { code: 'BE', homeWeight: 3, merchantWeight: 3, currency: 'EUR', utcOffsetHours: 1, neighbours: ['NL', 'FR', 'DE'] },
  { code: 'PL', homeWeight: 3, merchantWeight: 3, currency: 'PLN', utcOffsetHours: 1, neighbours: ['DE', 'AT'] },
  { code: 'SE', homeWeight: 2, merchantWeight: 2, currency: 'SEK', utcOffsetHours: 1, neighbours: ['DK', 'DE'] },
  { code: 'IE', homeWeight: 2, merchantWeight: 2, currency: 'EUR', utcOffsetHours: 0, neighbours: ['GB', 'FR'] },
  { code: 'AT', homeWeight: 2, merchantWeight: 2, currency: 'EUR', utcOffsetHours: 1, neighbours: ['DE', 'IT', 'CH', 'HR'] },
  { code: 'CH', homeWeight: 2, merchantWeight: 2, currency: 'CHF', utcOffsetHours: 1, neighbours: ['DE', 'FR', 'IT', 'AT'] },
  { code: 'PT', homeWeight: 1, merchantWeight: 1.5, currency: 'EUR', utcOffsetHours: 0, neighbours: ['ES', 'FR'] },
  { code: 'DK', homeWeight: 1, merchantWeight: 1, currency: 'DKK', utcOffsetHours: 1, neighbours: ['DE', 'SE'] },
  { code: 'CA', homeWeight: 1, merchantWeight: 2, currency: 'CAD', utcOffsetHours: -5, neighbours: ['US'] },
  { code: 'MX', homeWeight: 0, merchantWeight: 1, currency: 'MXN', utcOffsetHours: -6, neighbours: [] },
  { code: 'GR', homeWeight: 0, merchantWeight: 1, currency: 'EUR', utcOffsetHours: 2, neighbours: [] },
  { code: 'HR', homeWeight: 0, merchantWeight: 1, currency: 'EUR', utcOffsetHours: 1, neighbours: [] },
];

export const COUNTRY_BY_CODE: ReadonlyMap<string, CountryInfo> = new Map(COUNTRIES.map((country) => [country.code, country]));

// Amounts are drawn in euros and converted, so a Swedish account spends hundreds of SEK where a German
// one spends tens of EUR. The rules compare raw amounts whatever the currency, which is worth knowing
// when reading their hit rates on SEK, DKK or PLN accounts.
export const UNITS_PER_EUR: Readonly<Record<string, number>> = {
  EUR: 1, USD: 1.1, GBP: 0.85, CHF: 0.95, PLN: 4.3, SEK: 11.2, DKK: 7.46, CAD: 1.5, MXN: 19,
};

/**
 * Where account takeovers come from: far from the European and North American homes above (the
 * simulator keeps only those at least FAR_AWAY_KM from the victim's home), none under sanctions so
 * the sanctioned-country block does not mask the takeover rules.
 */
export const FAR_COUNTRIES: readonly string[] = [
  'BR', 'NG', 'VN', 'ID', 'PH', 'TH', 'IN', 'ZA', 'AR', 'CO', 'MY', 'KE', 'PK', 'BD', 'CN', 'EG', 'RU', 'PE', 'VE', 'TR', 'UA',
];
export const FAR_AWAY_KM = 3000;

export interface CategoryInfo {
  mcc: string;
  /** Relative share of merchants in this category. */
  weight: number;
  channels: readonly RetailChannel[];
  /** Typical basket relative to the account's everyday amount. */
  amountFactor: number;
  risky: boolean;
}

const category = (mcc: string, weight: number, channels: RetailChannel[], amountFactor: number, risky = false): CategoryInfo => ({
  mcc, weight, channels, amountFactor, risky,
});

export const CATEGORIES: readonly CategoryInfo[] = [
  category('5411', 22, ['card_present', 'contactless', 'ecommerce'], 1), // grocery
  category('5812', 12, ['card_present', 'contactless'], 1.3), // restaurants
  category('5814', 8, ['contactless', 'card_present'], 0.35), // fast food
  category('5541', 7, ['card_present', 'contactless'], 1.5), // fuel
  category('5999', 9, ['card_present', 'contactless', 'ecommerce'], 1), // miscellaneous retail
  category('5311', 4, ['card_present', 'contactless', 'ecommerce'], 1.5), // department stores
  category('5651', 6, ['card_present', 'contactless', 'ecommerce'], 1.6), // clothing
  category('5912', 4, ['card_present', 'contactless'], 0.6), // pharmacies
  category('4121', 4, ['contactless', 'ecommerce'], 0.8), // taxis and ride hailing
  category('5732', 4, ['card_present', 'ecommerce'], 3), // electronics
  category('5942', 2, ['ecommerce', 'card_present'], 0.7), // books
  category('5815', 3, ['ecommerce'], 0.3), // digital goods: apps, music
  category('4814', 3, ['recurring', 'ecommerce'], 1.2), // telecom
  category('4900', 3, ['recurring'], 2.5), // utilities
  category('4899', 3, ['recurring'], 0.5), // cable and streaming
  category('7011', 2, ['card_present', 'ecommerce'], 4), // hotels
  category('4511', 1.5, ['ecommerce'], 6), // airlines
  category('5944', 1, ['card_present', 'ecommerce'], 5), // jewellery
  // The categories rules/merchant-risk.json calls risky: about 3% of merchants.
  category('7995', 1.2, ['ecommerce'], 1, true), // gambling
  category('6051', 0.6, ['ecommerce'], 2, true), // quasi-cash, crypto
  category('4829', 0.6, ['ecommerce'], 3, true), // money transfer
  category('5967', 0.4, ['ecommerce'], 0.8, true), // direct marketing, inbound teleservices
  category('7273', 0.4, ['ecommerce', 'recurring'], 0.8, true), // dating services
];

export const CATEGORY_BY_MCC: ReadonlyMap<string, CategoryInfo> = new Map(CATEGORIES.map((info) => [info.mcc, info]));
export const RISKY_MCCS: readonly string[] = CATEGORIES.filter((info) => info.risky).map((info) => info.mcc);
/** Goods a fraudster can resell: what account takeovers buy. */
export const RESALE_MCCS: readonly string[] = ['5732', '5944', '4511', '5999'];

/** Relative activity by local hour of day: quiet nights, a lunch peak and an evening peak. */
export const HOURLY_ACTIVITY: readonly number[] = [
  0.08, 0.05, 0.03, 0.03, 0.03, 0.05, 0.15, 0.35, 0.6, 0.7, 0.8, 0.9,
  1.0, 0.95, 0.85, 0.8, 0.85, 0.95, 1.0, 0.95, 0.8, 0.6, 0.35, 0.18,
];
