// Latency at a steady offered load (default 5,000 tx/s): from the moment a transaction is handed to
// the producer to the moment its decision arrives on `decisions` (read_committed), which the scorer
// produces only after the decision is committed in Postgres: an upper bound of produce → persisted.
// One scorer process (bin/loupe score). Also reports the achieved rate and the backlog at the end: if
// the scorer cannot keep up, latency grows with the run and the percentiles say so. And, from the
// scorer's /metrics, the mean time a batch spent in each phase (read, score, persist, publish)
// while the load ran. Prints one JSON object.
//   node --import tsx bench/latency.ts [--rate 5000] [--seconds 20] [--accounts 50000]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { DecisionSchema, parseMessage } from '../services/domain/index.ts';
import { committedCount, produceAll, setUpPipelineBench, simulatedTransactions, startScorerProcess } from './support/pipeline-bench.ts';

const { values } = parseArgs({
  options: {
    rate: { type: 'string', default: '5000' },
    seconds: { type: 'string', default: '20' },
    accounts: { type: 'string', default: '50000' },
  },
});
const rate = Number(values.rate);
const seconds = Number(values.seconds);
const TICK_MS = 10;
const WARM_UP = 2000;

const bench = await setUpPipelineBench({ partitions: 4 });
const { config, admin, kafka } = bench;
const scorer = await startScorerProcess(bench.env, 'bench-latency-scorer');
try {
  const transactions = simulatedTransactions(WARM_UP + rate * seconds, Number(values.accounts));
  // Warm-up: the scorer joins its group, loads its model and state, and decides these first.
  await produceAll(bench.producer, config.topics.transactions, transactions.slice(0, WARM_UP));
  const warm = (async () => {
    while ((await committedCount(admin, config.scorer.groupId, config.topics.transactions)) < WARM_UP) await new Promise((r) => setTimeout(r, 100));
  })();
  await Promise.race([warm, scorer.exited]);

  const sentAt = new Map<string, number>();
  const latencies: number[] = [];
  const consumer = kafka.consumer({ groupId: `${config.scorer.groupId}-latency-probe`, readUncommitted: false, maxWaitTimeInMs: 5 });
  await consumer.connect();
  await consumer.subscribe({ topic: config.topics.decisions, fromBeginning: false });
  let joined!: () => void;
  const ready = new Promise<void>((resolve) => (joined = resolve));
  consumer.on(consumer.events.FETCH, () => joined());
  await consumer.run({
    eachBatch: async ({ batch }) => {
      const arrived = performance.now();
      for (const message of batch.messages) {
        const decision = parseMessage(DecisionSchema, message.value);
        const sent = decision && sentAt.get(decision.transactionId);
        if (sent !== undefined && sent !== null) latencies.push(arrived - sent);
      }
    },
  });
  await ready;
  const before = await scorer.metrics();

  // Steady load: every TICK_MS, the transactions due by then, sent without waiting for the last send.
  const load = transactions.slice(WARM_UP);
  const started = performance.now();
  const sends: Promise<unknown>[] = [];
  let next = 0;
  while (next < load.length) {
    const due = Math.min(load.length, Math.floor(((performance.now() - started) / 1000) * rate));
    if (due > next) {
      const batch = load.slice(next, due);
      const now = performance.now();
      for (const tx of batch) sentAt.set(tx.id, now);
      sends.push(bench.producer.send({ topic: config.topics.transactions, acks: -1, messages: batch.map((tx) => ({ key: tx.accountId, value: JSON.stringify(tx) })) }));
      next = due;
    }
    await new Promise((r) => setTimeout(r, TICK_MS));
  }
  await Promise.all(sends);
  const offeredSeconds = (performance.now() - started) / 1000;
  const backlogAtEnd = WARM_UP + load.length - (await committedCount(admin, config.scorer.groupId, config.topics.transactions));
  const during = await scorer.metrics();
  const batches = during.batches - before.batches;
  // What a batch's cycle spent where while the load ran: the answer to "what dominates".
  const meanBatchPhaseMs = Object.fromEntries(
    Object.entries(during.phaseSeconds).map(([phase, seconds]) => [phase, Number((((seconds - (before.phaseSeconds[phase] ?? 0)) * 1000) / batches).toFixed(1))]),
  );
  const deadline = Date.now() + 300_000;
  while (latencies.length < load.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  await consumer.disconnect();

  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number(latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))]!.toFixed(1));
  console.log(
    JSON.stringify({
      benchmark: 'latency',
      date: new Date().toISOString(),
      cores: cpus().length,
      offeredPerSec: rate,
      achievedOfferPerSec: Math.round(load.length / offeredSeconds),
      measured: latencies.length,
      backlogAtEndOfLoad: backlogAtEnd,
      latencyP50Ms: at(0.5),
      latencyP95Ms: at(0.95),
      latencyP99Ms: at(0.99),
      latencyMaxMs: Number(latencies.at(-1)!.toFixed(1)),
      batchesDuringLoad: batches,
      meanRecordsPerBatch: Math.round(load.length / batches),
      meanBatchPhaseMs,
    }),
  );
} finally {
  await scorer.stop();
  await bench.teardown();
}
