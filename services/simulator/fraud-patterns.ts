// Fraud episodes, each shaped after what the shipped rules (rules/*.json) look for, and labelled:
// every transaction of an episode carries its pattern and a shared episode id.
import { countryDistanceKm } from '../features/geo.ts';
import { deviceId as makeDeviceId, randomIp } from './population.ts';
import type { Random } from './random.ts';
import { FAR_AWAY_KM, FAR_COUNTRIES, RESALE_MCCS, UNITS_PER_EUR } from './reference-data.ts';
import type { AccountProfile, FraudPattern, MerchantProfile, RetailChannel, SimulatedTransaction } from './types.ts';
import { type AccountRuntime, buildTransaction, ownDevice, pickMerchant, remember, round2, type TransactionDraft, type World } from './world.ts';

const MINUTE_MS = 60_000;

interface Episode {
  world: World;
  account: AccountProfile;
  runtime: AccountRuntime;
  pattern: FraudPattern;
  episodeId: string;
}

/** One transaction of an episode; the account is the episode's. */
type Step = Omit<TransactionDraft, 'account'>;

const emit = (episode: Episode, step: Step): SimulatedTransaction => ({
  transaction: buildTransaction(episode.world, { ...step, timeMs: Math.round(step.timeMs), account: episode.account }),
  truth: { fraud: true, pattern: episode.pattern, episodeId: episode.episodeId },
});

/** A device from the fraudsters' shared pool that this account does not own. */
function poolDevice(random: Random, account: AccountProfile, pool: readonly string[]): string {
  const candidates = pool.filter((device) => !account.devices.includes(device));
  return random.pick(candidates.length > 0 ? candidates : pool);
}

/** A device this account has never seen, neither its own nor one a fraudster used on it before. */
function unseenDevice(random: Random, account: AccountProfile, runtime: AccountRuntime): string {
  for (;;) {
    const device = makeDeviceId(random.int(0, 999_999), random.int(1, 3));
    if (!account.devices.includes(device) && !runtime.fraudDevices.includes(device)) return device;
  }
}

/** A merchant selling resalable goods online, anywhere. */
function resaleMerchant(world: World, country: string): MerchantProfile {
  const { random, population } = world;
  const indexes = RESALE_MCCS.flatMap((mcc) => population.merchantsByMcc.get(mcc) ?? []);
  return indexes.length > 0 ? population.merchants[random.pick(indexes)]! : pickMerchant(world, null, country, 'ecommerce').merchant;
}

/**
 * Card testing: a bot checks stolen card details with 6-15 tiny online payments within 2-8 minutes at
 * one to three merchants, usually from a rig the account has never used; sometimes a larger purchase
 * follows once a card is known to work.
 */
function cardTesting(episode: Episode, startMs: number): SimulatedTransaction[] {
  const { world, account, runtime } = episode;
  const { random, population } = world;
  const count = random.int(6, 15);
  const durationMs = random.between(2, 8) * MINUTE_MS;
  const offsets = [0, ...Array.from({ length: count - 1 }, () => random.next() * durationMs)].sort((a, b) => a - b);
  const fromRig = random.chance(0.85);
  const deviceId = fromRig ? poolDevice(random, account, population.fraudDevices) : account.devices[0]!;
  const ip = fromRig ? randomIp(random) : account.homeIp;
  const country = runtime.location;
  const merchants = Array.from({ length: random.int(1, 3) }, () => pickMerchant(world, null, country, 'ecommerce').merchant);
  const steps: Step[] = offsets.map((offset) => ({
    timeMs: startMs + offset,
    merchant: random.pick(merchants),
    amount: round2(random.between(0.5, 4.99)),
    country,
    channel: 'ecommerce',
    deviceId,
    ip,
  }));
  if (random.chance(0.35)) {
    steps.push({
      timeMs: startMs + durationMs + random.between(0.5, 3) * MINUTE_MS,
      merchant: resaleMerchant(world, country),
      amount: round2(account.typicalAmount * random.between(4, 12)),
      country,
      channel: 'ecommerce',
      deviceId,
      ip,
    });
  }
  if (fromRig) remember(runtime.fraudDevices, deviceId);
  return steps.map((step) => emit(episode, step));
}

/**
 * Account takeover: a fraudster logs in from a new device in a far country the account never used and
 * buys resalable goods for well over the holder's habit, minutes after the holder's own last
 * transaction when that was recent, so the implied travel speed is absurd.
 */
function accountTakeover(episode: Episode, baseMs: number): SimulatedTransaction[] {
  const { world, account, runtime } = episode;
  const { random } = world;
  const far = FAR_COUNTRIES.filter((code) => (countryDistanceKm(account.homeCountry, code) ?? 0) >= FAR_AWAY_KM);
  const unused = far.filter((code) => !runtime.countries.includes(code));
  const country = random.pick(unused.length > 0 ? unused : far);
  const deviceId = unseenDevice(random, account, runtime);
  const ip = randomIp(random);
  const soon = runtime.lastLegitMs === null ? -Infinity : runtime.lastLegitMs + random.between(2, 12) * MINUTE_MS;
  let timeMs = soon >= baseMs ? soon : baseMs + random.between(1, 6) * MINUTE_MS;
  const count = 1 + random.weightedIndex([5, 3, 1, 1]);
  const steps: Step[] = [];
  for (let i = 0; i < count; i++) {
    steps.push({
      timeMs,
      merchant: resaleMerchant(world, country),
      amount: round2(Math.max(500 + random.between(0, 300), account.typicalAmount * random.between(10, 40))),
      country,
      channel: 'ecommerce',
      deviceId,
      ip,
    });
    timeMs += random.between(1, 8) * MINUTE_MS;
  }
  remember(runtime.countries, country);
  remember(runtime.fraudDevices, deviceId);
  return steps.map((step) => emit(episode, step));
}

/**
 * Large amount: one purchase of 15-50 times the account's everyday amount (at least 500), otherwise
 * ordinary: the holder's location, channel habits and devices, such as a stolen card used in a shop.
 */
function largeAmount(episode: Episode, startMs: number): SimulatedTransaction[] {
  const { world, account, runtime } = episode;
  const { random, population } = world;
  const channels: RetailChannel[] = ['card_present', 'contactless', 'ecommerce'];
  const channel = channels[random.weightedIndex(channels.map((candidate) => account.channelWeights[candidate]))]!;
  const country = runtime.location;
  const local = RESALE_MCCS.flatMap((mcc) => population.merchantsByMcc.get(mcc) ?? []).filter((index) => {
    const merchant = population.merchants[index]!;
    return merchant.country === country && merchant.channels.includes(channel);
  });
  const chosen = local.length > 0 ? { merchant: population.merchants[random.pick(local)]!, channel } : pickMerchant(world, account, country, channel);
  const step: Step = {
    timeMs: startMs,
    merchant: chosen.merchant,
    amount: round2(Math.max(500 + random.between(0, 200), account.typicalAmount * random.between(15, 50))),
    country,
    channel: chosen.channel,
    deviceId: ownDevice(random, account, chosen.channel),
    ip: chosen.channel === 'ecommerce' ? account.homeIp : undefined,
  };
  return [emit(episode, step)];
}

/**
 * Risky merchant: cash-out through gambling, crypto or money-transfer merchants, one to three
 * payments of 1000 or more, from the holder's own device (a mule or a hijacked session) or a rig.
 */
function riskyMerchant(episode: Episode, startMs: number): SimulatedTransaction[] {
  const { world, account, runtime } = episode;
  const { random, population } = world;
  const fromRig = random.chance(0.5);
  const deviceId = fromRig ? poolDevice(random, account, population.fraudDevices) : account.devices[0]!;
  const ip = fromRig ? randomIp(random) : account.homeIp;
  const units = UNITS_PER_EUR[account.currency] ?? 1;
  const first = population.merchants[random.pick(population.riskyMerchants)]!;
  const count = 1 + random.weightedIndex([6, 3, 1]);
  const steps: Step[] = [];
  let timeMs = startMs;
  for (let i = 0; i < count; i++) {
    steps.push({
      timeMs,
      merchant: random.chance(0.5) ? first : population.merchants[random.pick(population.riskyMerchants)]!,
      amount: round2(Math.max(1000 + random.between(0, 500), random.between(1000, 5000) * units)),
      country: runtime.location,
      channel: 'ecommerce',
      deviceId,
      ip,
    });
    timeMs += random.between(2, 30) * MINUTE_MS;
  }
  if (fromRig) remember(runtime.fraudDevices, deviceId);
  return steps.map((step) => emit(episode, step));
}

const PATTERNS: Record<FraudPattern, (episode: Episode, startMs: number) => SimulatedTransaction[]> = {
  card_testing: cardTesting,
  account_takeover: accountTakeover,
  large_amount: largeAmount,
  risky_merchant: riskyMerchant,
};

/** An episode of `pattern` on the given account, no earlier than `startMs`, in event-time order. */
export function createEpisode(world: World, pattern: FraudPattern, accountIndex: number, startMs: number): SimulatedTransaction[] {
  const account = world.population.accounts[accountIndex]!;
  const episode: Episode = {
    world,
    account,
    runtime: world.runtime[accountIndex]!,
    pattern,
    episodeId: world.nextEpisodeId(),
  };
  return PATTERNS[pattern](episode, startMs);
}
