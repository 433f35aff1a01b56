// Throughput of each pure stage of the scorer on simulated traffic, one core, no I/O. Every rate is
// also given as a ratio to JSON.parse of the same records measured in the same run: the floor cost
// of touching a message at all, and a ceiling no stage can beat. The last two stages are the
// scorer's own batch path: scoreBatch without a model, and encoding the decided batch's COPY rows
// and messages. Prints one JSON object.
//   node --import tsx bench/pipeline-stages.ts [--records 20000]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import type { AccountState } from '../services/domain/index.ts';
import { parseTransaction } from '../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState } from '../services/features/account-state.ts';
import { decide } from '../services/policy/decide.ts';
import { createRuleEvaluator } from '../services/rules/evaluate.ts';
import { loadRuleSet } from '../services/rules/load-rule-set.ts';
import { decisionCopyRow } from '../services/scorer/decision-store.ts';
import { batchMessages } from '../services/scorer/publish-batch.ts';
import { parseRecords, scoreBatch, type ScoredBatch } from '../services/scorer/score-batch.ts';
import { copyTextRows } from '../services/platform/postgres-copy.ts';
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
// The scorer's pure path per batch, as processChunk runs it (without the model, which
// bench/scoring-kernel.ts measures): deciding a batch, then encoding its rows for COPY and its
// messages for the `decisions` topic.
const BATCH = 2000;
const records = buffers.map((value, i) => ({ topic: 'transactions', partition: 0, offset: String(i), key: null, value, timestamp: String(Date.parse(transactions[i]!.timestamp)) }));
const batches: ReturnType<typeof parseRecords>[] = [];
for (let i = 0; i < records.length; i += BATCH) batches.push(parseRecords(records.slice(i, i + BATCH), Date.parse('2026-02-01T00:00:00Z'), limits));
const context = { policy, policyVersion: 'bench', evaluateRules: evaluate, rulesVersion: ruleSet.version, model: null, nowMs: Date.now };
const scoreBatches = () => Promise.all(batches.map((batch) => scoreBatch(batch, new Map(), new Map(), context)));
const decideRate = await rate(scoreBatches);
const scored: ScoredBatch[] = await scoreBatches();
const topics = { decisions: 'decisions', 'transactions.dlq': 'transactions.dlq' };
const encodeRate = await rate(() => {
  for (const batch of scored) {
    copyTextRows(batch.decisions.map((decision) => decisionCopyRow(decision, 'bench')));
    batchMessages(topics, batch);
  }
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
    decideBatchRulesOnly: stage(decideRate),
    encodeRowsAndMessages: stage(encodeRate),
  }),
);
