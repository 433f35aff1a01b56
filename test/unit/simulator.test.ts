import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { before, describe, it } from 'node:test';
import { type AccountState, type Transaction, TransactionSchema } from '../../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState } from '../../services/features/account-state.ts';
import { createRuleEvaluator } from '../../services/rules/evaluate.ts';
import { loadRuleSet } from '../../services/rules/load-rule-set.ts';
import {
  createSimulator,
  FRAUD_PATTERNS,
  RISKY_MCCS,
  type SimulatedTransaction,
  type Simulator,
  type SimulatorOptions,
  SimulatorOptionsError,
} from '../../services/simulator/index.ts';

// About four transactions per account per day: the ratio of rate to accounts real card traffic has.
const OPTIONS: SimulatorOptions = {
  seed: 42,
  accounts: 1000,
  merchants: 300,
  startMs: Date.parse('2026-03-02T00:00:00Z'),
  ratePerSecond: 0.05,
  fraudRate: 0.01,
};
const MINUTE_MS = 60_000;
const timeOf = (item: SimulatedTransaction) => Date.parse(item.transaction.timestamp);

/** What the stream has shown so far of each account: devices and countries, as the scorer would see them. */
function history(items: readonly SimulatedTransaction[]) {
  const devices = new Map<string, Set<string>>();
  const countries = new Map<string, Set<string>>();
  for (const { transaction } of items) {
    const seen = countries.get(transaction.accountId) ?? new Set();
    seen.add(transaction.country);
    countries.set(transaction.accountId, seen);
    if (transaction.deviceId === undefined) continue;
    const known = devices.get(transaction.accountId) ?? new Set();
    known.add(transaction.deviceId);
    devices.set(transaction.accountId, known);
  }
  return { devices, countries };
}

/** Pulls events until every transaction of `episode` has come out of next(); returns all pulled. */
function drain(simulator: Simulator, episode: readonly SimulatedTransaction[]): SimulatedTransaction[] {
  const waiting = new Set(episode.map((item) => item.transaction.id));
  const pulled: SimulatedTransaction[] = [];
  for (let i = 0; waiting.size > 0; i++) {
    assert.ok(i < 10_000, 'the injected episode never came out of next()');
    const item = simulator.next();
    waiting.delete(item.transaction.id);
    pulled.push(item);
  }
  return pulled;
}

/** The scorer's pure path without Kafka or Postgres: account state, facts, shipped rules. */
async function createPipeline() {
  const evaluate = createRuleEvaluator(await loadRuleSet('rules'));
  const states = new Map<string, AccountState>();
  return async (transaction: Transaction): Promise<string[]> => {
    const state = states.get(transaction.accountId) ?? emptyAccountState();
    const facts = deriveFacts(state, transaction);
    states.set(transaction.accountId, applyTransaction(state, transaction));
    return (await evaluate(facts)).map((hit) => hit.rule);
  };
}

describe('simulator stream', () => {
  it('produces valid transactions in non-decreasing event time, including injected episodes', () => {
    const simulator = createSimulator(OPTIONS);
    const items: SimulatedTransaction[] = [];
    for (let round = 0; round < 40; round++) {
      items.push(...simulator.take(100));
      simulator.inject(FRAUD_PATTERNS[round % FRAUD_PATTERNS.length]!);
    }
    items.push(...simulator.take(200));
    assert.equal(timeOf(items[0]!), OPTIONS.startMs, 'the first event is at startMs');
    const ids = new Set<string>();
    items.forEach((item, index) => {
      const parsed = TransactionSchema.safeParse(item.transaction);
      assert.ok(parsed.success, `event ${index} is invalid: ${JSON.stringify(parsed.error?.issues)}`);
      assert.deepEqual(parsed.data, item.transaction, 'the schema leaves a simulated transaction unchanged');
      assert.match(item.transaction.timestamp, /Z$/);
      if (index > 0) assert.ok(timeOf(item) >= timeOf(items[index - 1]!), `event ${index} goes back in time`);
      assert.ok(!ids.has(item.transaction.id), `duplicate id ${item.transaction.id}`);
      ids.add(item.transaction.id);
      assert.equal(item.truth.fraud, item.truth.pattern !== null);
      assert.equal(item.truth.fraud, item.truth.episodeId !== null);
    });
    assert.match(items[0]!.transaction.id, /^tx-42-\d+$/);
    assert.match(items[0]!.transaction.accountId, /^acct-\d{6}$/);
    assert.match(items[0]!.transaction.merchantId, /^merch-\d{5}$/);
  });

  it('is deterministic per seed, inject calls included, and differs between seeds', () => {
    const run = (seed: number) => {
      const simulator = createSimulator({ ...OPTIONS, seed });
      const items = simulator.take(500);
      simulator.inject('account_takeover');
      simulator.inject('card_testing', 7);
      items.push(...simulator.take(500));
      return items;
    };
    assert.deepEqual(run(1), run(1));
    const a = run(1).map((item) => item.transaction);
    const b = run(2).map((item) => item.transaction);
    const same = a.filter((tx, i) => tx.accountId === b[i]!.accountId && tx.amount === b[i]!.amount).length;
    assert.ok(same < 10, `seeds 1 and 2 share ${same} of ${a.length} events`);
    assert.notDeepEqual(createSimulator({ ...OPTIONS, seed: 1 }).accounts, createSimulator({ ...OPTIONS, seed: 2 }).accounts);
  });

  it('starts fraud episodes at about fraudRate, only of the allowed patterns', () => {
    const fraudRate = 0.02;
    const simulator = createSimulator({ ...OPTIONS, seed: 5, fraudRate, patterns: ['card_testing', 'large_amount'] });
    const items = simulator.take(6000);
    const normal = items.filter((item) => !item.truth.fraud).length;
    const fraud = items.length - normal;
    const episodes = new Set(items.map((item) => item.truth.episodeId).filter((id) => id !== null)).size;
    // Each arrival starts an episode with probability fraudRate: a binomial over normal + episodes.
    const share = episodes / (normal + episodes);
    assert.ok(Math.abs(share - fraudRate) < 0.006, `episodes start at ${share.toFixed(4)}, expected about ${fraudRate}`);
    // Episodes have 1 to 16 transactions, so the transaction share lies between the two.
    assert.ok(fraud / items.length > fraudRate && fraud / items.length < fraudRate * 16, `fraud share ${fraud / items.length}`);
    assert.deepEqual(
      new Set(items.map((item) => item.truth.pattern).filter((pattern) => pattern !== null)),
      new Set(['card_testing', 'large_amount']),
    );
    assert.equal(createSimulator({ ...OPTIONS, fraudRate: 0 }).take(3000).filter((item) => item.truth.fraud).length, 0);
  });

  it('refuses bad options with a readable message', () => {
    assert.throws(
      () => createSimulator({ ...OPTIONS, accounts: 0, fraudRate: 1.5, patterns: [] }),
      (error: unknown) =>
        error instanceof SimulatorOptionsError &&
        error.problems.some((problem) => problem.startsWith('accounts:')) &&
        error.problems.some((problem) => problem.startsWith('fraudRate:')) &&
        error.problems.some((problem) => problem.startsWith('patterns:')),
    );
    const simulator = createSimulator(OPTIONS);
    assert.throws(() => simulator.inject('large_amount', OPTIONS.accounts), RangeError);
  });

  it('uses the risky categories the shipped merchant-risk rules name', async () => {
    const file = JSON.parse(await readFile('rules/merchant-risk.json', 'utf8')) as {
      rules: Array<{ name: string; conditions: { all: Array<{ fact: string; value: unknown }> } }>;
    };
    const rule = file.rules.find((candidate) => candidate.name === 'risky-merchant-category')!;
    const condition = rule.conditions.all.find((candidate) => candidate.fact === 'merchantCategory')!;
    assert.deepEqual([...RISKY_MCCS].sort(), [...(condition.value as string[])].sort());
  });
});

describe('injected episodes', () => {
  const setUp = (seed: number) => {
    const simulator = createSimulator({ ...OPTIONS, seed, fraudRate: 0 });
    const before = simulator.take(2000);
    // The account of the latest event: it has history, and the episode starts minutes after it.
    const accountIndex = Number(before[before.length - 1]!.transaction.accountId.slice('acct-'.length));
    return { simulator, before, accountIndex, account: simulator.accounts[accountIndex]! };
  };
  const assertEpisode = (episode: readonly SimulatedTransaction[], pattern: string, accountId: string) => {
    assert.ok(episode.length >= 1);
    const episodeId = episode[0]!.truth.episodeId;
    assert.ok(episodeId !== null);
    for (const [index, item] of episode.entries()) {
      assert.deepEqual(item.truth, { fraud: true, pattern, episodeId });
      assert.equal(item.transaction.accountId, accountId);
      assert.ok(TransactionSchema.safeParse(item.transaction).success);
      if (index > 0) assert.ok(timeOf(item) >= timeOf(episode[index - 1]!), 'episode is in event-time order');
    }
  };

  for (const seed of [1, 2, 3]) {
    it(`card_testing: six or more tiny online payments within ten minutes (seed ${seed})`, () => {
      const { simulator, account } = setUp(seed);
      const episode = simulator.inject('card_testing', account.index);
      assertEpisode(episode, 'card_testing', account.id);
      const tiny = episode.filter((item) => item.transaction.amount <= 5);
      assert.ok(tiny.length >= 6, `${tiny.length} tiny payments`);
      assert.ok(timeOf(tiny[tiny.length - 1]!) - timeOf(tiny[0]!) <= 10 * MINUTE_MS);
      assert.ok(tiny.every((item) => item.transaction.channel === 'ecommerce' && item.transaction.deviceId !== undefined));
      assert.ok(episode.length - tiny.length <= 1, 'at most one larger purchase follows');
      const pulled = drain(simulator, episode);
      assert.deepEqual(
        pulled.filter((item) => item.truth.episodeId === episode[0]!.truth.episodeId),
        episode,
        'next() hands out the injected episode, interleaved, exactly once',
      );
    });

    it(`account_takeover: new device, new far country, high amounts (seed ${seed})`, () => {
      const { simulator, before, account } = setUp(seed);
      const seen = history(before);
      const episode = simulator.inject('account_takeover', account.index);
      assertEpisode(episode, 'account_takeover', account.id);
      const first = episode[0]!.transaction;
      assert.ok(first.deviceId !== undefined && !account.devices.includes(first.deviceId));
      assert.ok(!(seen.devices.get(account.id)?.has(first.deviceId) ?? false), 'device never used by the account');
      assert.ok(!(seen.countries.get(account.id)?.has(first.country) ?? false), 'country never used by the account');
      assert.notEqual(first.country, account.homeCountry);
      assert.ok(episode.every((item) => item.transaction.amount >= 500));
      assert.ok(timeOf(episode[0]!) - timeOf(before[before.length - 1]!) <= 15 * MINUTE_MS, 'minutes after the holder');
    });

    it(`large_amount: one amount far above the account's habit (seed ${seed})`, () => {
      const { simulator, account } = setUp(seed);
      const episode = simulator.inject('large_amount', account.index);
      assertEpisode(episode, 'large_amount', account.id);
      assert.equal(episode.length, 1);
      const { amount } = episode[0]!.transaction;
      assert.ok(amount >= 500 && amount >= 10 * account.typicalAmount, `${amount} vs typical ${account.typicalAmount}`);
    });

    it(`risky_merchant: 1000 or more at risky categories (seed ${seed})`, () => {
      const { simulator, account } = setUp(seed);
      const episode = simulator.inject('risky_merchant', account.index);
      assertEpisode(episode, 'risky_merchant', account.id);
      for (const { transaction } of episode) {
        assert.ok(RISKY_MCCS.includes(transaction.merchantCategory), transaction.merchantCategory);
        assert.ok(transaction.amount >= 1000);
      }
    });
  }

  it('picks an account itself when none is given', () => {
    const simulator = createSimulator(OPTIONS);
    simulator.take(10);
    const episode = simulator.inject('risky_merchant');
    assert.ok(simulator.accounts.some((account) => account.id === episode[0]!.transaction.accountId));
  });
});

describe('simulated traffic through the shipped rules', () => {
  // One stream through the scorer's pure path, shared by the checks below: rule evaluation is the slow
  // part (json-rules-engine, a fraction of a millisecond per event), so it is run once.
  const NORMAL_MEASURED = 5000;
  const normalHits = new Map<string, number>();
  const episodes: Array<{ pattern: string; items: SimulatedTransaction[]; hits: string[][] }> = [];

  before(async () => {
    const simulator = createSimulator({ ...OPTIONS, seed: 11, fraudRate: 0.002 });
    const score = await createPipeline();
    const hitsById = new Map<string, string[]>();
    let last: SimulatedTransaction | undefined;
    const feed = async (item: SimulatedTransaction) => {
      const rules = await score(item.transaction);
      hitsById.set(item.transaction.id, rules);
      last = item;
      return rules;
    };
    for (const item of simulator.take(2000)) await feed(item);
    for (let normal = 0; normal < NORMAL_MEASURED; ) {
      const item = simulator.next();
      const rules = await feed(item);
      if (item.truth.fraud) continue;
      normal++;
      for (const rule of rules) normalHits.set(rule, (normalHits.get(rule) ?? 0) + 1);
    }
    // Each episode hits the account of the latest event: it has history, as a real victim would.
    for (const pattern of ['card_testing', 'account_takeover', 'card_testing', 'account_takeover'] as const) {
      const accountIndex = Number(last!.transaction.accountId.slice('acct-'.length));
      const items = simulator.inject(pattern, accountIndex);
      for (const item of drain(simulator, items)) await feed(item);
      episodes.push({ pattern, items, hits: items.map((item) => hitsById.get(item.transaction.id)!) });
    }
  });

  it('card testing trips card-testing-burst on its later transactions', () => {
    for (const { items, hits } of episodes.filter((episode) => episode.pattern === 'card_testing')) {
      const tiny = items.map((item, i) => ({ item, rules: hits[i]! })).filter(({ item }) => item.transaction.amount <= 5);
      // The rule needs five tiny payments within ten minutes: the fifth and every later one qualify.
      tiny.slice(4).forEach(({ rules }, i) => assert.ok(rules.includes('card-testing-burst'), `tiny payment ${i + 5}: ${rules}`));
    }
  });

  it('account takeover trips a new-device rule', () => {
    for (const { hits } of episodes.filter((episode) => episode.pattern === 'account_takeover')) {
      const rules = hits.flat();
      assert.ok(rules.includes('new-device-new-country') || rules.includes('new-device-high-amount'), rules.join(', '));
    }
  });

  it('rarely trips travel, card-testing or block rules on normal traffic', () => {
    for (const [rule, count] of normalHits) {
      if (rule === 'impossible-travel' || rule === 'card-testing-burst' || rule.startsWith('blocked-') || rule === 'sanctioned-country') {
        assert.ok(count / NORMAL_MEASURED < 0.01, `${rule} hit ${count} of ${NORMAL_MEASURED} normal transactions`);
      }
    }
  });
});
