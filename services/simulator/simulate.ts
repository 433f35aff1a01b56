// The stream: a Poisson process of legitimate arrivals, some of which start a fraud episode instead,
// merged in event-time order with the episodes still in flight.
import { z } from 'zod';
import { issuesFromZod } from '../domain/index.ts';
import { createAccountPicker } from './account-picker.ts';
import { createEpisode } from './fraud-patterns.ts';
import { normalTransaction } from './normal-traffic.ts';
import { createPopulation } from './population.ts';
import { createRandom } from './random.ts';
import { FRAUD_PATTERNS, type FraudPattern, type SimulatedTransaction, type Simulator, type SimulatorOptions } from './types.ts';
import { createWorld } from './world.ts';

// Independent random streams per seed: the population must not change when traffic draws differ.
const POPULATION_STREAM = 1;
const TRAFFIC_STREAM = 2;
// How often each pattern is chosen when fraudRate starts an episode.
const PATTERN_WEIGHTS: Record<FraudPattern, number> = {
  card_testing: 3,
  account_takeover: 3,
  large_amount: 2,
  risky_merchant: 2,
};

const positiveInteger = (max: number) => z.number().int('must be an integer').min(1, 'must be at least 1').max(max, `must be at most ${max}`);

export const SimulatorOptionsSchema = z.object({
  // zod's int() is a safe integer, and no zod number is infinite or NaN.
  seed: z.number().int('must be a safe integer'),
  accounts: positiveInteger(10_000_000),
  merchants: positiveInteger(1_000_000),
  startMs: z.number().int('must be whole milliseconds').min(0, 'must not be before 1970').max(8.64e15, 'must be a valid date'),
  ratePerSecond: z.number().positive('must be more than 0'),
  fraudRate: z.number().min(0, 'must be between 0 and 1').max(1, 'must be between 0 and 1'),
  patterns: z
    .array(z.enum(FRAUD_PATTERNS))
    .min(1, 'must name at least one pattern (leave it out for all)')
    .refine((patterns) => new Set(patterns).size === patterns.length, 'must not repeat a pattern')
    .optional(),
});

export class SimulatorOptionsError extends Error {
  override name = 'SimulatorOptionsError';
  constructor(readonly problems: string[]) {
    super(`invalid simulator options:\n${problems.map((problem) => `  ${problem}`).join('\n')}`);
  }
}

interface Pending {
  timeMs: number;
  /** Arrival order, so events at the same millisecond keep their order. */
  seq: number;
  item: SimulatedTransaction;
}

/** Creates a deterministic stream: the same options (and the same inject calls) give the same events. */
export function createSimulator(options: SimulatorOptions): Simulator {
  const parsed = SimulatorOptionsSchema.safeParse(options);
  if (!parsed.success) throw new SimulatorOptionsError(issuesFromZod(parsed.error).map((issue) => `${issue.path}: ${issue.message}`));
  const { seed, accounts, merchants, startMs, ratePerSecond, fraudRate } = parsed.data;
  const patterns = parsed.data.patterns ?? [...FRAUD_PATTERNS];
  const patternWeights = patterns.map((pattern) => PATTERN_WEIGHTS[pattern]);

  const population = createPopulation(createRandom(seed, POPULATION_STREAM), accounts, merchants);
  const random = createRandom(seed, TRAFFIC_STREAM);
  const world = createWorld(seed, random, population, createAccountPicker(population.accounts));
  const meanGapMs = 1000 / ratePerSecond;

  // Episode transactions waiting for their time, sorted by (timeMs, seq). Only episodes in flight are
  // here (minutes to an hour of event time each), so a sorted array is small and simple enough.
  const pending: Pending[] = [];
  let seq = 0;
  // Event time of the last event handed out; everything still to come is at or after it.
  let clockMs = startMs;
  // Exact (fractional) time of the next legitimate arrival; rounded to whole ms when emitted.
  let nextArrival = startMs;

  const enqueue = (items: SimulatedTransaction[]) => {
    for (const item of items) {
      const entry: Pending = { timeMs: Date.parse(item.transaction.timestamp), seq: seq++, item };
      let at = pending.length;
      while (at > 0 && (pending[at - 1]!.timeMs > entry.timeMs || (pending[at - 1]!.timeMs === entry.timeMs && pending[at - 1]!.seq > entry.seq))) at--;
      pending.splice(at, 0, entry);
    }
  };

  const next = (): SimulatedTransaction => {
    for (;;) {
      const arrivalMs = Math.round(nextArrival);
      const head = pending[0];
      if (head !== undefined && head.timeMs <= arrivalMs) {
        pending.shift();
        clockMs = head.timeMs;
        return head.item;
      }
      nextArrival += random.exponential(meanGapMs);
      if (fraudRate > 0 && random.chance(fraudRate)) {
        const pattern = patterns[random.weightedIndex(patternWeights)]!;
        enqueue(createEpisode(world, pattern, world.picker.byActivity(random), arrivalMs));
        continue;
      }
      clockMs = arrivalMs;
      return normalTransaction(world, arrivalMs);
    }
  };

  return {
    next,
    take: (n) => {
      if (!Number.isInteger(n) || n < 0) throw new RangeError(`take(n): n must be a non-negative integer, got ${n}`);
      return Array.from({ length: n }, next);
    },
    inject(pattern, accountIndex) {
      if (!FRAUD_PATTERNS.includes(pattern)) throw new RangeError(`inject: unknown pattern "${String(pattern)}"`);
      if (accountIndex !== undefined && (!Number.isInteger(accountIndex) || accountIndex < 0 || accountIndex >= accounts)) {
        throw new RangeError(`inject: accountIndex must be an integer in [0, ${accounts - 1}], got ${accountIndex}`);
      }
      const episode = createEpisode(world, pattern, accountIndex ?? world.picker.byActivity(random), clockMs);
      enqueue(episode);
      return episode;
    },
    accounts: population.accounts,
    merchants: population.merchants,
  };
}
