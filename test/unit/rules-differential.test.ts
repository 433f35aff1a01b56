// The compiled rule evaluator against json-rules-engine itself: random rule sets (nested all/any/not,
// every operator, fact references, priorities, values of every JSON type) on random facts built from
// the real fact names, and the shipped rules on simulated traffic. Seeded: a failure names its case.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isDeepStrictEqual } from 'node:util';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import type { AccountState, RuleHit } from '../../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState, FACT_NAMES, type TransactionFacts } from '../../services/features/account-state.ts';
import { compileRuleSet, UndefinedFactError } from '../../services/rules/compile-rules.ts';
import { createRuleEvaluator } from '../../services/rules/evaluate.ts';
import { createEngineRuleEvaluator } from '../../services/rules/evaluate-with-engine.ts';
import { loadRuleSet, RuleSetError } from '../../services/rules/load-rule-set.ts';
import { conditionProblems, OPERATORS, type Rule } from '../../services/rules/rule-schema.ts';
import { createSimulator, FRAUD_PATTERNS } from '../../services/simulator/index.ts';

type Kind = 'string' | 'number' | 'boolean';
const FACT_KINDS: Record<keyof TransactionFacts, Kind> = {
  transactionId: 'string', accountId: 'string', merchantId: 'string', merchantCategory: 'string', country: 'string',
  channel: 'string', currency: 'string', amount: 'number', deviceId: 'string', hourOfDayUtc: 'number',
  txCount1m: 'number', txCount10m: 'number', txCount1h: 'number', txCount24h: 'number', smallAmountCount10m: 'number',
  amountSum1h: 'number', accountTxCount: 'number', amountToAccountMean: 'number', isNewDevice: 'boolean',
  isNewCountry: 'boolean', knownDeviceCount: 'number', lastCountry: 'string', minutesSinceLast: 'number', travelSpeedKmh: 'number',
};
const FACTS = Object.keys(FACT_KINDS) as Array<keyof TransactionFacts>;

// Values near the shipped thresholds and the type-juggling cases json-rules-engine has to get right.
const POOLS: Record<Kind, readonly unknown[]> = {
  number: [0, -0, 1, 4, 5, 8, 10, 19.99, 20, 200, 499, 500, 1000, 1000.5, 5000, 20000, 100000, 100000.01, -1, -20, 1e9],
  string: ['', 'FR', 'DE', 'KP', 'IR', 'recurring', 'card_present', 'atm', '7995', '5411', 'acct-blocked-0001', 'merch-blocked-0001', 'R', 'ca', '12', '12abc', ' 7', 'Infinity', 'NaN', 'true'],
  boolean: [true, false],
};
// Facts of the wrong type: what a stored decision or a future feature could hand the rules.
const ODD_FACTS: readonly unknown[] = ['5', '12abc', '', null, undefined, true, false, [5], [], ['FR', 'DE'], [1, 20, 500], 'a,b', NaN, Infinity, -Infinity, -0];
// Literal values of every JSON type for any operator.
const ODD_VALUES: readonly unknown[] = ['10', '12abc', '', null, true, false, [5], [], ['FR', 5, true, null], 0, -0];
const NUMERIC_OPERATORS: ReadonlySet<string> = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

class Generator {
  private readonly random: () => number;
  constructor(seed: number) {
    this.random = mulberry32(seed);
  }
  chance = (p: number) => this.random() < p;
  int = (n: number) => Math.floor(this.random() * n);
  pick = <T>(items: readonly T[]): T => items[this.int(items.length)]!;

  /** `odd`: the share of facts of a wrong type; `missing`: the share of facts objects lacking one. */
  facts({ odd = 0.12, missing = 0.04 } = {}): TransactionFacts {
    const facts: Record<string, unknown> = {};
    for (const name of FACTS) {
      if (this.chance(odd)) facts[name] = this.pick(ODD_FACTS);
      else if (FACT_KINDS[name] === 'number' && this.chance(0.4)) facts[name] = Math.round(this.random() * 2000) / this.pick([1, 10, 100]);
      else facts[name] = this.pick(POOLS[FACT_KINDS[name]]);
    }
    if (this.chance(missing)) delete facts[this.pick(FACTS)]; // the engine throws UndefinedFactError if it reads it
    if (this.chance(0.002)) facts[''] = 1; // the engine's Fact constructor throws
    return facts as unknown as TransactionFacts;
  }

  /** edge: also the constructs that make the engine throw when reached, and odd priorities. */
  rule(index: number, edge: boolean): Rule {
    const type = this.pick(['signal', 'signal', 'block', 'allow', 'review'] as const);
    const params = { reason: `reason ${index}`, weight: this.int(41) - 20 };
    const rule: Record<string, unknown> = {
      name: `r${index}`,
      conditions: { [this.pick(['all', 'all', 'any', 'not'])]: null },
      event: type === 'signal' ? { type, params } : { type, params: { reason: params.reason } },
    };
    const top = Object.keys(rule.conditions as object)[0]!;
    (rule.conditions as Record<string, unknown>)[top] = top === 'not' ? this.condition(2, edge) : this.children(3, edge);
    if (this.chance(0.2)) rule.priority = 1 + this.int(3);
    return rule as Rule;
  }

  private children(depth: number, edge: boolean): unknown[] {
    const count = edge && this.chance(0.03) ? 0 : 1 + this.int(4);
    return Array.from({ length: count }, () => this.condition(depth - 1, edge));
  }

  private condition(depth: number, edge: boolean): Record<string, unknown> {
    const node: Record<string, unknown> = depth > 0 && this.chance(0.3)
      ? this.chance(0.25) ? { not: this.condition(depth - 1, edge) } : { [this.pick(['all', 'any'])]: this.children(depth, edge) }
      : this.leaf(edge);
    if (this.chance(edge ? 0.4 : 0.1)) {
      node.priority = this.pick<unknown>(edge ? [1, 2, 3, '2', 2.5, 0, -1, 'abc', true, 10] : [1, 2, 3, 5]);
    }
    return node;
  }

  private leaf(edge: boolean): Record<string, unknown> {
    const fact = this.pick(FACTS);
    const operator = this.pick(OPERATORS);
    const leaf: Record<string, unknown> = { fact, operator, value: this.value(operator, FACT_KINDS[fact], edge) };
    if (this.chance(0.05)) leaf.params = { ignored: true };
    if (this.chance(0.05)) leaf.name = 'named-condition';
    return leaf;
  }

  private value(operator: (typeof OPERATORS)[number], kind: Kind, edge: boolean): unknown {
    const inList = operator === 'in' || operator === 'notIn';
    if (this.chance(0.15)) {
      // in / notIn against a number or boolean fact throws, so outside edge sets only strings are referenced.
      const candidates = inList && !edge ? FACTS.filter((name) => FACT_KINDS[name] === 'string') : FACTS;
      return this.chance(0.1) ? { fact: this.pick(candidates), params: { ignored: 1 } } : { fact: this.pick(candidates) };
    }
    if (inList) {
      if (this.chance(0.15)) return this.pick(POOLS.string); // substring semantics
      if (edge && this.chance(0.1)) return this.pick([5, null, true]); // TypeError when reached
      const pool = this.chance(0.8) ? POOLS[kind] : ODD_VALUES;
      return Array.from({ length: this.int(this.chance(0.2) ? 14 : 6) }, () => this.pick(pool)); // long lists are looked up in a Set
    }
    if (this.chance(0.2)) return this.pick(ODD_VALUES);
    if (operator === 'contains' || operator === 'doesNotContain') return this.pick([...POOLS.string, ...POOLS.number]);
    return this.pick(POOLS[NUMERIC_OPERATORS.has(operator) ? 'number' : kind]);
  }
}

type Outcome = { hits: RuleHit[] } | { threw: string };
// The engine's UndefinedFactError is named 'Error'; its code is what identifies it.
const kindOf = (error: unknown) => (error as { code?: string }).code ?? (error as Error).name;
const outcome = (run: () => RuleHit[]): Outcome => {
  try {
    return { hits: run() };
  } catch (error) {
    return { threw: kindOf(error) };
  }
};
const engineOutcome = async (run: () => Promise<RuleHit[]>): Promise<Outcome> => {
  try {
    return { hits: await run() };
  } catch (error) {
    return { threw: kindOf(error) };
  }
};

interface Tally {
  evaluations: number;
  withHits: number;
  threw: number;
  /** Facts objects lacking a fact the engine nevertheless evaluated without throwing: it never reached it. */
  missingUnreached: number;
}

/** Compares both evaluators on every facts object (the engine evaluator works on its own copy of the rules). */
async function compare(rules: Rule[], factsList: readonly TransactionFacts[], label: string, tally: Tally): Promise<void> {
  const engine = createEngineRuleEvaluator({ rules: structuredClone(rules) });
  const compiled = compileRuleSet({ rules });
  for (const [i, facts] of factsList.entries()) {
    const expected = await engineOutcome(() => engine(facts));
    const actual = outcome(() => compiled(facts));
    tally.evaluations++;
    if ('threw' in expected) tally.threw++;
    else if (expected.hits.length > 0) tally.withHits++;
    if (!('threw' in expected) && FACTS.some((name) => !(name in facts))) tally.missingUnreached++;
    // Which error the engine reports first depends on its promise scheduling; that one is thrown is what counts.
    const agree = 'threw' in expected ? 'threw' in actual : isDeepStrictEqual(actual, expected);
    if (!agree) {
      assert.deepStrictEqual(actual, expected, `${label}, facts #${i}\nrules: ${JSON.stringify(rules)}\nfacts: ${JSON.stringify(facts)}`);
      assert.fail(`${label}, facts #${i}: the engine threw ${JSON.stringify(expected)}, the compiled evaluator did not\nrules: ${JSON.stringify(rules)}\nfacts: ${JSON.stringify(facts)}`);
    }
  }
}

async function randomSets(): Promise<Tally> {
  const generate = new Generator(20260301);
  const tally: Tally = { evaluations: 0, withHits: 0, threw: 0, missingUnreached: 0 };
  for (let set = 0; set < 320; set++) {
    const edge = set % 3 === 2;
    const rules = Array.from({ length: edge ? 1 + generate.int(3) : 1 + generate.int(12) }, (_, i) => generate.rule(i, edge));
    if (!edge) for (const rule of rules) assert.deepEqual(conditionProblems(rule.conditions, 'conditions'), [], 'a plain set is one the loader accepts');
    await compare(rules, Array.from({ length: 40 }, () => generate.facts()), `set ${set}${edge ? ' (edge)' : ''}`, tally);
  }
  for (let set = 0; set < 3; set++) {
    // Fewer odd facts: with 50 rules, nearly every run would otherwise reach one that throws.
    const rules = Array.from({ length: 50 }, (_, i) => generate.rule(i, false));
    await compare(rules, Array.from({ length: 1000 }, () => generate.facts({ odd: 0.02, missing: 0.01 })), `50-rule set ${set}`, tally);
  }
  return tally;
}

async function shippedRules(): Promise<Tally> {
  const ruleSet = await loadRuleSet('rules');
  const accounts = 500;
  const simulator = createSimulator({ seed: 11, accounts, merchants: 200, startMs: Date.parse('2026-03-02T00:00:00Z'), ratePerSecond: (accounts * 4) / 86_400, fraudRate: 0.02 });
  const transactions = [];
  for (let round = 0; round < 40; round++) {
    transactions.push(...simulator.take(100).map((item) => item.transaction));
    simulator.inject(FRAUD_PATTERNS[round % FRAUD_PATTERNS.length]!);
  }
  const states = new Map<string, AccountState>();
  const facts = transactions.map((tx) => {
    const state = states.get(tx.accountId) ?? emptyAccountState();
    states.set(tx.accountId, applyTransaction(state, tx));
    return deriveFacts(state, tx);
  });
  const generate = new Generator(7);
  facts.push(...Array.from({ length: 500 }, () => generate.facts()));
  const tally: Tally = { evaluations: 0, withHits: 0, threw: 0, missingUnreached: 0 };
  await compare(ruleSet.rules, facts, 'shipped rules', tally);
  return tally;
}

const JOBS = { randomSets, shippedRules };

/**
 * Runs a comparison in a worker thread. The test runner tracks every promise with async hooks, which
 * makes json-rules-engine (hundreds of promises a run) several times slower; a worker has none.
 */
function inWorker(job: keyof typeof JOBS): Promise<Tally> {
  return new Promise((resolve, reject) => {
    // Node 20 does not pass `--import tsx` on to workers: the worker registers tsx, then loads this file.
    const bootstrap = `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))})
      .then(({ register }) => { register(); return import(${JSON.stringify(import.meta.url)}); })`;
    const worker = new Worker(bootstrap, { eval: true, workerData: job });
    worker.once('message', (message: { tally: Tally } | { failure: string }) => {
      if ('tally' in message) resolve(message.tally);
      else reject(new assert.AssertionError({ message: message.failure }));
    });
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`comparison worker exited with ${code}`)));
  });
}

if (!isMainThread) {
  try {
    parentPort!.postMessage({ tally: await JOBS[workerData as keyof typeof JOBS]() });
  } catch (error) {
    parentPort!.postMessage({ failure: (error as Error).message });
  }
}

if (isMainThread) describe('compiled rules match json-rules-engine', () => {
  it('generates facts of the right type for every fact name', () => assert.deepEqual(new Set(FACTS), FACT_NAMES));

  it('on random rule sets and random facts', async () => {
    const tally = await inWorker('randomSets');
    assert.ok(tally.evaluations >= 15_000, `${tally.evaluations} evaluations`);
    // Not a vacuous comparison: plenty of hits, and of runs the engine refuses.
    assert.ok(tally.withHits > tally.evaluations / 4, `${tally.withHits} evaluations with hits`);
    assert.ok(tally.threw > 500 && tally.threw < tally.evaluations / 3, `${tally.threw} evaluations threw`);
    assert.ok(tally.missingUnreached > 20, `${tally.missingUnreached} evaluations with a missing fact the engine did not reach`);
  });

  it('on the shipped rules, with simulated traffic and with random facts', async () => {
    const tally = await inWorker('shippedRules');
    assert.ok(tally.evaluations >= 4500 && tally.withHits > 300, JSON.stringify(tally));
  });

  it('through createRuleEvaluator, the evaluator the scorer uses', async () => {
    const ruleSet = await loadRuleSet('rules');
    const evaluate = createRuleEvaluator(ruleSet);
    const engine = createEngineRuleEvaluator(ruleSet);
    const generate = new Generator(3);
    for (let i = 0; i < 300; i++) {
      const facts = generate.facts({ odd: 0.05, missing: 0 });
      const expected = await engine(facts);
      assert.deepStrictEqual(evaluate(facts), expected);
    }
  });
});

if (isMainThread) describe('compiled rules: json-rules-engine edge cases, spelled out', () => {
  const facts = (overrides: Record<string, unknown>) =>
    Object.fromEntries(FACTS.map((name) => [name, name in overrides ? overrides[name] : POOLS[FACT_KINDS[name]][0]])) as unknown as TransactionFacts;
  const one = (conditions: Record<string, unknown>): Rule[] => [{ name: 'r', conditions, event: { type: 'block', params: { reason: 'x' } } }];
  const fires = (conditions: Record<string, unknown>, f: TransactionFacts) => compileRuleSet({ rules: one(conditions) })(f).length === 1;
  const same = async (conditions: Record<string, unknown>, f: TransactionFacts) =>
    assert.deepStrictEqual(outcome(() => compileRuleSet({ rules: one(conditions) })(f)), await engineOutcome(() => createEngineRuleEvaluator({ rules: one(conditions) })(f)));
  const leaf = (fact: string, operator: string, value: unknown) => ({ all: [{ fact, operator, value }] });

  it('numeric operators accept what parseFloat reads, and compare as JavaScript does', async () => {
    const cases: Array<[unknown, string, unknown, boolean]> = [
      ['12abc', 'greaterThan', 10, false], // parseFloat says 12, but '12abc' > 10 is NaN > 10
      ['12', 'greaterThan', 10, true],
      ['5', 'lessThan', '10', false], // string comparison
      [[5], 'lessThan', 10, true], // String([5]) is '5'
      [null, 'lessThanInclusive', 10, false], // null <= 10 would be true; the validator refuses null
      [true, 'greaterThanInclusive', 1, false],
      [Infinity, 'greaterThan', 1e9, true],
      [NaN, 'lessThan', 10, false],
      [500, 'greaterThanInclusive', '500', true],
      [5, 'greaterThan', null, true], // 5 > 0
    ];
    for (const [amount, operator, value, expected] of cases) {
      const f = facts({ amount });
      assert.equal(fires(leaf('amount', operator, value), f), expected, `${JSON.stringify(amount)} ${operator} ${JSON.stringify(value)}`);
      await same(leaf('amount', operator, value), f);
    }
  });

  it('equal is strict; in / notIn search arrays by === and strings by substring; contains needs an array fact', async () => {
    const cases: Array<[string, unknown, string, unknown, boolean]> = [
      ['amount', 5, 'equal', '5', false],
      ['country', 'FR', 'in', 'FR,DE', true],
      ['country', '', 'in', 'KP', true], // '' is a substring of everything
      ['amount', 12, 'in', 'a12b', true], // String(12)
      ['amount', 12, 'in', ['12'], false],
      ['country', 'FR', 'notIn', [], true],
      ['country', 'FR', 'contains', 'R', false], // a string fact is not an array
      ['country', 'FR', 'doesNotContain', 'X', false], // not true either
      ['country', ['FR', 'DE'], 'contains', 'DE', true],
      ['country', ['FR', 'DE'], 'doesNotContain', 'KP', true],
    ];
    for (const [fact, factValue, operator, value, expected] of cases) {
      const f = facts({ [fact]: factValue });
      assert.equal(fires(leaf(fact, operator, value), f), expected, `${JSON.stringify(factValue)} ${operator} ${JSON.stringify(value)}`);
      await same(leaf(fact, operator, value), f);
    }
  });

  it('throws where the engine does: in with a non-array value, a missing fact it reaches, a named condition', async () => {
    assert.throws(() => compileRuleSet({ rules: one(leaf('country', 'in', 5)) })(facts({})), TypeError);
    await same(leaf('country', 'in', 5), facts({}));
    const missing = facts({});
    delete (missing as Partial<TransactionFacts>).amount;
    assert.throws(() => compileRuleSet({ rules: one(leaf('amount', 'equal', 1)) })(missing), UndefinedFactError);
    // A missing fact read only after a higher-priority group has decided: neither evaluates it.
    const guarded = { all: [{ fact: 'country', operator: 'equal', value: 'XX', priority: 2 }, { fact: 'amount', operator: 'equal', value: 1 }] };
    assert.equal(fires(guarded, missing), false);
    await same(guarded, missing);
    // The same two conditions at one priority: the engine evaluates both, and throws.
    const unguarded = { all: [{ fact: 'country', operator: 'equal', value: 'XX' }, { fact: 'amount', operator: 'equal', value: 1 }] };
    await same(unguarded, missing);
    assert.throws(() => compileRuleSet({ rules: one(unguarded) })(missing), UndefinedFactError);
    // Accepted by the loader, refused by the engine at run time: a reference to a named condition
    // below the top, and a priority that is no usable object key.
    const reference = { all: [{ any: [leaf('amount', 'equal', 0)], condition: 'named' }] };
    assert.throws(() => compileRuleSet({ rules: one(reference) })(facts({})), /No condition named exists/);
    await same(reference, facts({}));
    const protoPriority = { any: [{ fact: 'amount', operator: 'equal', value: 0, priority: '__proto__' }, { fact: 'amount', operator: 'equal', value: 1 }] };
    assert.throws(() => compileRuleSet({ rules: one(protoPriority) })(facts({})), TypeError);
    await same(protoPriority, facts({}));
  });

  it('not negates, and empty all / any are both true', async () => {
    for (const conditions of [{ not: { all: [] } }, { any: [] }, { all: [] }, { not: { fact: 'amount', operator: 'equal', value: 0 } }]) {
      await same(conditions, facts({}));
    }
    assert.equal(fires({ any: [] }, facts({})), true);
  });

  it('refuses JSONPath, unknown operators and duplicate names, listing each', () => {
    const rules = [
      ...one({ all: [{ fact: 'amount', operator: 'equal', value: 1, path: '$.x' }] }),
      ...one({ any: [{ fact: 'amount', operator: 'someFact:equal', value: { fact: 'txCount1m', path: '$.y' } }] }),
    ];
    assert.throws(() => compileRuleSet({ rules }), (error: unknown) => {
      assert.ok(error instanceof RuleSetError);
      assert.deepEqual(error.problems, [
        'rule "r": conditions.all[0].path: JSONPath on facts is not supported by the compiled evaluator',
        'rule "r": name already used',
        'rule "r": conditions.any[0].operator: must be one of equal, notEqual, lessThan, lessThanInclusive, greaterThan, greaterThanInclusive, in, notIn, contains, doesNotContain',
        'rule "r": conditions.any[0].value.path: JSONPath on facts is not supported by the compiled evaluator',
      ]);
      return true;
    });
  });
});
