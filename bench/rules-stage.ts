// Throughput of the rules stage on one core: json-rules-engine against the compiled evaluator
// (services/rules/compile-rules.ts), for the shipped rule set and for a 50-rule set, on the same
// simulated facts. Checks first that both give the same hits. Best of three timed passes after a
// warm-up. Prints one JSON object.
//   node --import tsx bench/rules-stage.ts [--records 5000]
import assert from 'node:assert/strict';
import { cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import type { AccountState } from '../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState, type TransactionFacts } from '../services/features/account-state.ts';
import { createRuleEvaluator } from '../services/rules/evaluate.ts';
import { createEngineRuleEvaluator } from '../services/rules/evaluate-with-engine.ts';
import { buildRuleSet, loadRuleSet, type RuleSet } from '../services/rules/load-rule-set.ts';
import { createSimulator } from '../services/simulator/index.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '5000' } } });
const count = Number(values.records);
const accounts = 10_000;
const simulator = createSimulator({ seed: 7, accounts, merchants: 1000, startMs: Date.parse('2026-01-01T00:00:00Z'), ratePerSecond: (accounts * 4) / 86_400, fraudRate: 0.005 });
const states = new Map<string, AccountState>();
const facts: TransactionFacts[] = simulator.take(count).map(({ transaction: tx }) => {
  const state = states.get(tx.accountId) ?? emptyAccountState();
  states.set(tx.accountId, applyTransaction(state, tx));
  return deriveFacts(state, tx);
});

/**
 * The shipped rules and 33 more in the same style (thresholds, lists, fact against fact, nested
 * any / not), so that a 50-rule set costs what a grown production set would. Goes through the loader.
 */
function fiftyRuleSet(shipped: RuleSet): RuleSet {
  // High thresholds, as a fraud rule has: most transactions pass the first condition and fail a later one.
  const high: Array<[string, number]> = [
    ['amount', 2000], ['amountSum1h', 8000], ['txCount10m', 4], ['txCount1h', 10], ['txCount24h', 30], ['amountToAccountMean', 5],
    ['travelSpeedKmh', 500], ['knownDeviceCount', 4], ['smallAmountCount10m', 3], ['txCount1m', 4], ['amount', 5000],
  ];
  const extra = Array.from({ length: 50 - shipped.rules.length }, (_, i) => {
    const [fact, base] = high[i % high.length]!;
    const threshold = base * (1 + (i % 3));
    const conditions = [
      { all: [{ fact: 'channel', operator: 'in', value: ['ecommerce', 'contactless', 'card_present'] }, { fact, operator: 'greaterThanInclusive', value: threshold }] },
      { any: [{ fact: 'country', operator: 'in', value: ['KZ', 'NG', 'VN', 'PH', 'ID'] }, { all: [{ fact: 'isNewCountry', operator: 'equal', value: true }, { fact, operator: 'greaterThan', value: threshold }] }] },
      { all: [{ not: { fact: 'merchantCategory', operator: 'in', value: ['5411', '5812', '4111', '5541'] } }, { fact: 'txCount10m', operator: 'greaterThan', value: { fact: 'knownDeviceCount' } }, { fact, operator: 'greaterThanInclusive', value: threshold }] },
      { all: [{ fact: 'hourOfDayUtc', operator: 'lessThan', value: 6 }, { fact: 'country', operator: 'notEqual', value: { fact: 'lastCountry' } }, { fact, operator: 'greaterThan', value: threshold }] },
    ][i % 4]!;
    return { name: `extra-${String(i).padStart(2, '0')}`, conditions, event: { type: 'signal', params: { reason: `extra rule ${i}`, weight: 0.5 } } };
  });
  return buildRuleSet([...shipped.files.map((f) => ({ file: f.file, text: JSON.stringify({ rules: f.rules }) })), { file: 'zz-extra.json', text: JSON.stringify({ rules: extra }) }]);
}

const cpuMs = () => {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
};

/**
 * Evaluations per second, best of three timed passes after a warm-up; each pass repeats the facts
 * to last at least 300 ms. Timed by the wall clock and by the process's CPU time: on a shared
 * machine (CI next door) the first counts the time the process waited for a core, the second not.
 */
async function rate(run: () => unknown): Promise<{ wall: number; cpu: number }> {
  const started = performance.now();
  await run();
  const repeat = Math.max(1, Math.ceil(300 / (performance.now() - started)));
  let wall = Infinity;
  let cpu = Infinity;
  for (let pass = 0; pass < 3; pass++) {
    const [wallStarted, cpuStarted] = [performance.now(), cpuMs()];
    for (let r = 0; r < repeat; r++) await run();
    cpu = Math.min(cpu, (cpuMs() - cpuStarted) / repeat);
    wall = Math.min(wall, (performance.now() - wallStarted) / repeat);
  }
  return { wall: Math.round(count / (wall / 1000)), cpu: Math.round(count / (cpu / 1000)) };
}

async function measure(ruleSet: RuleSet) {
  const engine = createEngineRuleEvaluator(ruleSet);
  const compiled = createRuleEvaluator(ruleSet);
  let hits = 0;
  for (const f of facts) {
    const expected = await engine(f);
    assert.deepStrictEqual(compiled(f), expected, 'the compiled evaluator disagrees with json-rules-engine');
    hits += expected.length;
  }
  const jsonRulesEngine = await rate(async () => {
    for (const f of facts) await engine(f);
  });
  const compiledRate = await rate(() => {
    for (const f of facts) compiled(f);
  });
  return {
    rules: ruleSet.rules.length,
    hitsPerEval: Number((hits / facts.length).toFixed(3)),
    jsonRulesEngine,
    compiled: compiledRate,
    ratioToJsonRulesEngine: Number((compiledRate.wall / jsonRulesEngine.wall).toFixed(1)),
  };
}

const shipped = await loadRuleSet('rules');
const shippedResult = await measure(shipped);
const fifty = await measure(fiftyRuleSet(shipped));

console.log(
  JSON.stringify({
    benchmark: 'rules-stage',
    date: new Date().toISOString(),
    cores: cpus().length,
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    records: count,
    shipped: shippedResult,
    fiftyRules: fifty,
    rulesEvalsPerSec50: fifty.compiled.wall,
    ratioToJsonRulesEngine50: fifty.ratioToJsonRulesEngine,
  }),
);
