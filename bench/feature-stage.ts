// Feature stage throughput with realistic state size: what the scorer does per transaction
// (services/scorer/score-batch.ts) with 1,000,000 accounts tracked, and again with 10,000. Per
// transaction: state lookup in a Map, deriveFacts, the feature spec's encode into a Float32Array row,
// applyTransaction, Map.set. No rules, no model, no I/O; one core.
//
// Two ceilings, measured in the same run on the same transactions: JSON.parse of their JSON (as
// bench/pipeline-stages.ts), and a bare Map get+set over the same keys, which is what tracking the
// state costs before any feature work. The gap between the two account counts is the cost of a large
// heap: cache misses on the Map and the states, and a garbage collector that must trace every state.
//
// 1M states with 3 transactions each take about 0.9 GB of heap (heavier histories, --history, take
// more), close to or over Node's default heap limit on machines with little memory (it is about a
// quarter of RAM, at most 4 GB), and the memory figures need gc(); so the script runs with
//   node --max-old-space-size=8192 --expose-gc --import tsx bench/feature-stage.ts
//     [--accounts 1000000] [--small-accounts 10000] [--transactions 200000] [--history 3]
// and, started without those flags (as run-all does: `node --import tsx bench/feature-stage.ts`),
// re-executes itself with them. Prints one JSON object on stdout; progress on stderr.
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { PerformanceObserver } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { getHeapStatistics } from 'node:v8';
import type { AccountState, Transaction } from '../services/domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState } from '../services/features/account-state.ts';
import type { CompiledFeatureSpec } from '../services/features/feature-spec.ts';
import { loadFeatureSpec } from '../services/features/load-feature-spec.ts';
import { createSimulator } from '../services/simulator/index.ts';
import { createRandom, type Random } from '../services/simulator/random.ts';

const HEAP_MB = 8192;
const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined || getHeapStatistics().heap_size_limit < (HEAP_MB / 2) * 1024 * 1024) {
  const args = [`--max-old-space-size=${HEAP_MB}`, '--expose-gc', ...process.execArgv, ...process.argv.slice(1)];
  const { status, signal } = spawnSync(process.execPath, args, { stdio: 'inherit' });
  process.exit(status ?? (signal ? 1 : 0));
}
const collect = gc!;

const { values } = parseArgs({
  options: {
    accounts: { type: 'string', default: '1000000' },
    'small-accounts': { type: 'string', default: '10000' },
    transactions: { type: 'string', default: '200000' },
    history: { type: 'string', default: '3' },
  },
});
const LARGE = Number(values.accounts);
const SMALL = Number(values['small-accounts']);
const HISTORY = Number(values.history);
// The timed stream is cut into passes; each pass times the two ceilings and then the stage on the same
// transactions, so the ceilings see the same machine load (the machine is shared) and heap as the stage.
const PASSES = 4;
const COUNT = Math.ceil(Number(values.transactions) / PASSES);
/** Rows per Float32Array, as the scorer allocates one per batch of records. */
const BATCH = 500;
const DAY_MS = 86_400_000;
/** Transactions per account per day: the simulator's realistic rate, so velocity windows look real. */
const PER_ACCOUNT_PER_DAY = 4;
/** Where the stream starts; every account's history lies in the day before. */
const T0 = Date.parse('2026-03-02T00:00:00Z');

const log = (message: string) => process.stderr.write(`[feature-stage] ${message}\n`);
const spec = await loadFeatureSpec('card-default');
const width = spec.names.length;

// Personas: the simulator's own accounts, each with its transactions (its devices, country, merchants,
// amounts). Tracked account i borrows persona i mod personas, re-keyed and re-timed, so its history
// is as consistent as a real account's rather than random fields.
const personas = (() => {
  const simulator = createSimulator({ seed: 11, accounts: 5000, merchants: 1000, startMs: T0 - 30 * DAY_MS, ratePerSecond: (5000 * PER_ACCOUNT_PER_DAY) / 86_400, fraudRate: 0.002 });
  const byAccount = new Map<string, Transaction[]>();
  for (const { transaction } of simulator.take(100_000)) {
    const list = byAccount.get(transaction.accountId);
    if (list === undefined) byAccount.set(transaction.accountId, [transaction]);
    else list.push(transaction);
  }
  return [...byAccount.values()];
})();

const accountId = (i: number) => `acct-${String(i).padStart(7, '0')}`;
let serial = 0;
function transactionOf(account: number, pick: number, timeMs: number): Transaction {
  const persona = personas[account % personas.length]!;
  const template = persona[pick % persona.length]!;
  return { ...template, id: `ftx-${++serial}`, accountId: accountId(account), timestamp: new Date(timeMs).toISOString() };
}

/** `accounts` states, each after HISTORY transactions at random times in the day before T0. */
function buildStates(accounts: number): Map<string, AccountState> {
  const random = createRandom(accounts, 1);
  const states = new Map<string, AccountState>();
  const started = performance.now();
  for (let i = 0; i < accounts; i++) {
    const times = Array.from({ length: HISTORY }, () => T0 - Math.floor(random.next() * (DAY_MS - 1000)) - 1).sort((a, b) => a - b);
    let state = emptyAccountState();
    times.forEach((t, k) => {
      state = applyTransaction(state, transactionOf(i, k, t));
    });
    states.set(accountId(i), state);
    if ((i + 1) % 100_000 === 0) log(`built ${i + 1} of ${accounts} account states (${((performance.now() - started) / 1000).toFixed(1)} s)`);
  }
  return states;
}

/**
 * Pass `pass` of the stream: COUNT transactions on uniformly drawn accounts, in event-time order,
 * continuing after the previous pass at PER_ACCOUNT_PER_DAY per account.
 */
function streamOf(accounts: number, pass: number, random: Random): { txs: Transaction[]; json: Buffer[]; keys: string[] } {
  const gapMs = DAY_MS / (accounts * PER_ACCOUNT_PER_DAY);
  const txs = Array.from({ length: COUNT }, (_, j) => transactionOf(random.int(0, accounts - 1), HISTORY + random.int(0, 1000), T0 + Math.floor((pass * COUNT + j) * gapMs)));
  return { txs, json: txs.map((tx) => Buffer.from(JSON.stringify(tx))), keys: txs.map((tx) => tx.accountId) };
}

let sink = 0;

function featureStage(states: Map<string, AccountState>, txs: readonly Transaction[], compiled: CompiledFeatureSpec, rows: Float32Array): void {
  for (let i = 0; i < txs.length; i++) {
    const tx = txs[i]!;
    const state = states.get(tx.accountId) ?? emptyAccountState();
    const facts = deriveFacts(state, tx);
    compiled.encode(state, tx, rows, (i % BATCH) * width);
    states.set(tx.accountId, applyTransaction(state, tx));
    sink += facts.txCount1h;
  }
  sink += rows[0]!;
}

function jsonParse(json: readonly Buffer[]): void {
  for (const buffer of json) sink += (JSON.parse(buffer.toString('utf8')) as { amount: number }).amount;
}

function mapGetSet(states: Map<string, AccountState>, keys: readonly string[]): void {
  for (const key of keys) {
    const state = states.get(key) ?? emptyAccountState();
    states.set(key, state);
    sink += state.txCount;
  }
}

interface Rate {
  /** Transactions over all passes divided by their total time: what a scorer sustains, GC included. */
  perSec: number;
  bestPassPerSec: number;
  passesPerSec: number[];
}

const rateOf = (ms: number[]): Rate => ({
  perSec: Math.round((COUNT * ms.length) / (ms.reduce((a, b) => a + b, 0) / 1000)),
  bestPassPerSec: Math.round(COUNT / (Math.min(...ms) / 1000)),
  passesPerSec: ms.map((m) => Math.round(COUNT / (m / 1000))),
});

const mb = (bytes: number) => Math.round(bytes / (1024 * 1024));

// Main-thread GC pauses, to tell how much of the feature stage's time is the collector's: with a
// million states in the heap, each replaced state is old-generation garbage that only a full
// mark (of every live state) reclaims.
const gcPauses: Array<{ start: number; duration: number }> = [];
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.push({ start: entry.startTime, duration: entry.duration });
}).observe({ entryTypes: ['gc'] });
const gcMsWithin = (windows: ReadonlyArray<readonly [number, number]>) =>
  gcPauses.filter((pause) => windows.some(([from, to]) => pause.start >= from && pause.start < to)).reduce((sum, pause) => sum + pause.duration, 0);

/**
 * Builds `accounts` states and measures the three stages on PASSES passes of the stream. The feature
 * stage moves the states on (each pass continues in event time); the ceilings only read them. A
 * short warm-up pass first, so every function is optimised before timing.
 */
async function measure(accounts: number) {
  collect();
  const before = process.memoryUsage();
  const buildStarted = performance.now();
  const states = buildStates(accounts);
  const buildSeconds = (performance.now() - buildStarted) / 1000;
  collect();
  const after = process.memoryUsage();
  let recentTotal = 0;
  for (const state of states.values()) recentTotal += state.recent.length;

  const random = createRandom(accounts, 2);
  const rows = new Float32Array(BATCH * width);
  const warm = streamOf(accounts, 0, random);
  const warmCount = Math.min(COUNT, 20_000);
  jsonParse(warm.json.slice(0, warmCount));
  mapGetSet(states, warm.keys.slice(0, warmCount));
  featureStage(states, warm.txs.slice(0, warmCount), spec, rows);

  const ms = { json: [] as number[], map: [] as number[], feature: [] as number[] };
  const featureWindows: Array<[number, number]> = [];
  // No forced collection between passes: the garbage a pass leaves is collected, and paid for, in
  // the passes after it, as in a scorer that runs for days.
  for (let pass = 1; pass <= PASSES; pass++) {
    const { txs, json, keys } = streamOf(accounts, pass, random);
    let started = performance.now();
    jsonParse(json);
    ms.json.push(performance.now() - started);
    started = performance.now();
    mapGetSet(states, keys);
    ms.map.push(performance.now() - started);
    started = performance.now();
    featureStage(states, txs, spec, rows);
    featureWindows.push([started, performance.now()]);
    ms.feature.push(performance.now() - started);
    log(`${accounts} accounts, pass ${pass}: feature stage ${Math.round(COUNT / (ms.feature.at(-1)! / 1000))}/s`);
  }
  const end = process.memoryUsage();
  await new Promise((resolve) => setTimeout(resolve, 50)); // GC entries arrive asynchronously.
  const featureGcMs = gcMsWithin(featureWindows);
  const json = rateOf(ms.json);
  const map = rateOf(ms.map);
  const feature = rateOf(ms.feature);
  const result = {
    accounts,
    trackedAfter: states.size,
    buildSeconds: Number(buildSeconds.toFixed(1)),
    recentPerAccount: Number((recentTotal / accounts).toFixed(2)),
    featureTxPerSec: feature.perSec,
    ceilingJsonParsePerSec: json.perSec,
    ceilingMapGetSetPerSec: map.perSec,
    ratioToJsonParse: Number((feature.perSec / json.perSec).toFixed(4)),
    ratioToMapGetSet: Number((feature.perSec / map.perSec).toFixed(4)),
    /** Share of the feature passes' wall time spent in main-thread GC pauses. */
    featureGcPauseShare: Number((featureGcMs / ms.feature.reduce((a, b) => a + b, 0)).toFixed(3)),
    passes: { feature, jsonParse: json, mapGetSet: map },
    // Growth from just before the build to just after it, both after a full GC: the states, their
    // keys and the Map. RSS moves in pages and reuses heap freed earlier, so its figure only means
    // something for the large run.
    memory: {
      heapUsedBytesPerAccount: Math.round((after.heapUsed - before.heapUsed) / accounts),
      rssBytesPerAccount: Math.round((after.rss - before.rss) / accounts),
      heapUsedMbAfterBuild: mb(after.heapUsed),
      rssMbAfterBuild: mb(after.rss),
      rssMbAfterPasses: mb(end.rss),
    },
  };
  states.clear();
  return result;
}

// Small first, so the large heap is not yet there to slow it down.
const small = await measure(SMALL);
const large = await measure(LARGE);
log(`sink ${sink}`);

console.log(
  JSON.stringify({
    benchmark: 'feature-stage',
    date: new Date().toISOString(),
    cores: cpus().length,
    // The machine is shared: the load during the run says how much to trust the rates.
    loadAverage1m: Number(loadavg()[0]!.toFixed(2)),
    node: process.version,
    nodeFlags: process.execArgv.filter((flag) => flag.startsWith('--') && flag !== '--import'),
    featureSpec: spec.version,
    featureWidth: width,
    transactions: COUNT * PASSES,
    transactionsPerPass: COUNT,
    passes: PASSES,
    historyPerAccount: HISTORY,
    featureTxPerSec: large.featureTxPerSec,
    ratioToJsonParse: large.ratioToJsonParse,
    ratioToMapGetSet: large.ratioToMapGetSet,
    largeToSmallRatio: Number((large.featureTxPerSec / small.featureTxPerSec).toFixed(4)),
    large,
    small,
  }),
);
