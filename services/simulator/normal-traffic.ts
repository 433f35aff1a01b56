// Legitimate transactions: an account awake at this hour buys something ordinary, where it is.
import { countryDistanceKm } from '../features/geo.ts';
import type { Random } from './random.ts';
import { COUNTRY_BY_CODE } from './reference-data.ts';
import type { AccountProfile, GroundTruth, RetailChannel, SimulatedTransaction } from './types.ts';
import { type AccountRuntime, buildTransaction, habitualAmount, ownDevice, pickMerchant, remember, type World } from './world.ts';

const legitimate = (): GroundTruth => ({ fraud: false, pattern: null, episodeId: null });

const CHANNELS: readonly RetailChannel[] = ['card_present', 'contactless', 'ecommerce', 'recurring'];
// Chance that a purchase at home is the first of a trip abroad.
const TRIP_PROBABILITY = 0.01;
// A trip lasts this many of the holder's own transactions, then ends when travel home is plausible.
const TRIP_MIN_TRANSACTIONS = 2;
const TRIP_MAX_TRANSACTIONS = 8;
// The holder changes country only once this long has passed since their last transaction, at no
// more than TRAVEL_KMH: well under the 1000 km/h of the impossible-travel rule, so honest trips
// never look impossible. Country changes below an hour are not plausible at any distance.
const TRAVEL_KMH = 600;
const MIN_TRAVEL_MS = 2 * 60 * 60 * 1000;
// Distance assumed when a country has no centroid (none of ours lacks one; this keeps the guard safe).
const UNKNOWN_DISTANCE_KM = 3000;

const HOUR_MS = 3_600_000;
export const hourUtc = (timeMs: number) => ((Math.floor(timeMs / HOUR_MS) % 24) + 24) % 24;

/** Whether the holder could have travelled from where they are to `to` since their last transaction. */
function canTravel(runtime: AccountRuntime, to: string, timeMs: number): boolean {
  if (runtime.lastLegitMs === null) return true;
  const km = countryDistanceKm(runtime.location, to) ?? UNKNOWN_DISTANCE_KM;
  return timeMs - runtime.lastLegitMs >= Math.max(MIN_TRAVEL_MS, (km / TRAVEL_KMH) * HOUR_MS);
}

/** Moves the holder (starting or ending a trip) when plausible, and returns where they are now. */
function locate(random: Random, account: AccountProfile, runtime: AccountRuntime, timeMs: number): string {
  const home = account.homeCountry;
  if (runtime.location !== home) {
    if (runtime.tripRemaining <= 0 && canTravel(runtime, home, timeMs)) runtime.location = home;
    else runtime.tripRemaining--;
  } else if (random.chance(TRIP_PROBABILITY)) {
    const neighbours = COUNTRY_BY_CODE.get(home)?.neighbours ?? [];
    if (neighbours.length > 0) {
      const destination = random.pick(neighbours);
      if (canTravel(runtime, destination, timeMs)) {
        runtime.location = destination;
        // This transaction is the trip's first.
        runtime.tripRemaining = random.int(TRIP_MIN_TRANSACTIONS, TRIP_MAX_TRANSACTIONS) - 1;
      }
    }
  }
  return runtime.location;
}

function pickChannel(random: Random, account: AccountProfile, abroad: boolean): RetailChannel {
  const weights = CHANNELS.map((channel) => account.channelWeights[channel]);
  const channel = CHANNELS[random.weightedIndex(weights)]!;
  // Bills keep coming during a trip, but a traveller's own spending is mostly in person.
  if (abroad && channel === 'ecommerce' && random.chance(0.5)) return 'contactless';
  return channel;
}

/** A legitimate transaction at `timeMs` by an account awake at that hour. */
export function normalTransaction(world: World, timeMs: number): SimulatedTransaction {
  const { random, population } = world;
  const account = population.accounts[world.picker.atHour(random, hourUtc(timeMs))]!;
  const runtime = world.runtime[account.index]!;
  // The transaction's country is where the holder is, for every channel, including online and
  // recurring ones whose merchant may be abroad: the travel facts then follow the holder's movements
  // rather than every cross-border web shop.
  const country = locate(random, account, runtime, timeMs);
  const chosen = pickMerchant(world, account, country, pickChannel(random, account, country !== account.homeCountry));
  const deviceId = ownDevice(random, account, chosen.channel);
  const transaction = buildTransaction(world, {
    timeMs,
    account,
    merchant: chosen.merchant,
    amount: habitualAmount(random, account, chosen.merchant),
    country,
    channel: chosen.channel,
    deviceId,
    ip: chosen.channel === 'ecommerce' ? account.homeIp : undefined,
  });
  runtime.lastLegitMs = timeMs;
  remember(runtime.countries, country);
  return { transaction, truth: legitimate() };
}
