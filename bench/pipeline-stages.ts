// Throughput of each pure stage of the scorer on simulated traffic, one core, no I/O. Every rate is
// also given as a ratio to JSON.parse of the same records measured in the same run: the floor cost
// of touching a message at all, and a ceiling no stage can beat. Prints one JSON object.
//   node --import tsx bench/pipeline-stages.ts [--records 20000]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { AccountState } from '../services/domain/index.ts';
import { parseTransaction } from '../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState } from '../services/features/account-state.ts';
import { decide } from '../services/policy/decide.ts';
import { createRuleEvaluator } from '../services/rules/evaluate.ts';
import { loadRuleSet } from '../services/rules/load-rule-set.ts';
import { createSimulator } from '../services/simulator/index.ts';

const { values } = parseArgs({ options: { records: { type: 'string', default: '20000' } } });
const count = Number(values.records);
const accounts = 10_000;
const simulator = createSimulator({ seed: 7, accounts, merchants: 1000, startMs: Date.parse('2026-01-01T00:00:00Z'), ratePerSecond: (accounts * 4) / 86_400, fraudRate: 0.005 });
const transactions = simulator.take(count).map(({ transaction }) => transaction);
const buffers = transactions.map((tx) => Buffer.from(JSON.stringify(tx)));
const limits = { maxMessageBytes: 65_536, maxFutureSkewMs: 86_400_000, earliestTimestampMs: 0 };
const policy = { priorFraudRate: 0.01, confidenceThreshold: 0.6, anomalyWeight: 1.5, approveCeiling: 0.25 };
const ruleSet = await loadRuleSet('rules');
const evaluate = createRuleEvaluator(ruleSet);

/** Best of three timed passes (after one warm-up), in items per second. */
async function rate(run: () => unknown): Promise<number> {
  await run();
  let best = Infinity;
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    await run();
    best = Math.min(best, performance.now() - started);
  }
  return Math.round(count / (best / 1000));
}

const jsonParse = await rate(() => {
  for (const buffer of buffers) JSON.parse(buffer.toString('utf8'));
});
const parse = await rate(() => {
  for (const buffer of buffers) parseTransaction(buffer, Date.parse('2026-02-01T00:00:00Z'), limits);
});
const features = await rate(() => {
  const states = new Map<string, AccountState>();
  for (const tx of transactions) {
    const state = states.get(tx.accountId) ?? emptyAccountState();
    deriveFacts(state, tx);
    states.set(tx.accountId, applyTransaction(state, tx));
  }
});
const states = new Map<string, AccountState>();
const facts = transactions.map((tx) => {
  const state = states.get(tx.accountId) ?? emptyAccountState();
  states.set(tx.accountId, applyTransaction(state, tx));
  return deriveFacts(state, tx);
});
const rules = await rate(async () => {
  for (const f of facts) await evaluate(f);
});
const hits = await Promise.all(facts.map((f) => evaluate(f)));
const policyRate = await rate(() => {
  for (const ruleHits of hits) decide({ ruleHits, anomalyPercentile: null }, policy);
});
const stage = (perSec: number) => ({ perSec, ratioToJsonParse: Number((perSec / jsonParse).toFixed(4)) });

console.log(
  JSON.stringify({
    benchmark: 'pipeline-stages',
    date: new Date().toISOString(),
    cores: cpus().length,
    records: count,
    rules: ruleSet.rules.length,
    ceilingJsonParsePerSec: jsonParse,
    parseAndValidate: stage(parse),
    featuresWithState: stage(features),
    rulesCompiled: stage(rules),
    policy: stage(policyRate),
  }),
);
