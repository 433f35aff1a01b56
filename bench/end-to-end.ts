// Sustained transactions/s from `transactions` through ONE scorer process (bin/loupe score, with the
// champion model, rules and policy) to decisions committed in Postgres and produced on `decisions`,
// beside two ceilings measured in the same run on the same records: the broker's own consumer
// (ConsumerPerformance from the same jars) and Postgres's COPY of the same decision rows (the
// better of one stream and the scorer's batches on one connection per core).
// The scorer runs on each Kafka client it supports (LOUPE_SCORER_KAFKA_CLIENT), on the same records
// in a schema and topics of its own, the clients alternating over --rounds (A B B A ...) so drift in
// the machine's load falls on both; each client's figure is its median. Both ceilings are measured
// in every run, and the ceiling ratio is the median of the runs' own ratios. The headline figures
// are the default client's (kafkajs). Prints one JSON object.
//   node --import tsx bench/end-to-end.ts [--records 100000] [--accounts 50000] [--partitions 4]
//                                         [--scorers 1] [--clients kafkajs,platformatic] [--rounds 2]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { KAFKA_CLIENTS, type KafkaClientName } from '../services/platform/config.ts';
import { committedCount, kafkaConsumeCeiling, postgresCopyCeiling, produceAll, setUpPipelineBench, simulatedTransactions, startScorerProcess, sumPhases, sustainedRate } from './support/pipeline-bench.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    accounts: { type: 'string', default: '50000' },
    partitions: { type: 'string', default: '4' },
    scorers: { type: 'string', default: '1' },
    clients: { type: 'string', default: KAFKA_CLIENTS.join(',') },
    rounds: { type: 'string', default: '2' },
  },
});
const records = Number(values.records);
const scorerCount = Number(values.scorers);
const partitions = Number(values.partitions);
const clients = values.clients.split(',') as KafkaClientName[];
for (const client of clients) if (!KAFKA_CLIENTS.includes(client)) throw new Error(`unknown client ${client}; one of ${KAFKA_CLIENTS.join(', ')}`);
const transactions = simulatedTransactions(records, Number(values.accounts));

interface ClientRun {
  client: KafkaClientName;
  txPerSec: number;
  seconds: number;
  producePerSec: number;
  kafkaConsumePerSec: number;
  postgresCopyPerSec: number;
  postgresCopyOneStreamPerSec: number;
  postgresCopyBatchedPerSec: number;
  /** txPerSec over the lower of this run's two ceilings. */
  ceilingRatio: number;
  /**
   * CPU the scorer processes used per transaction over the measured span: what a change to the
   * scorer moves. It stretches on a loaded machine too, so scorer changes are still compared in
   * alternating pairs.
   */
  scorerCpuUsPerTx: number;
  batches: number;
  /** Seconds the scorers' batches spent in each phase, summed over partitions: where the time went. */
  phaseSeconds: Record<string, number>;
}

/**
 * One run of the scorer on `client`, on the bench's records in a fresh schema and topics, with both
 * ceilings measured around it: the machine's load drifts within minutes, so each run's figure is
 * divided by its own ceilings.
 */
async function runOnce(client: KafkaClientName): Promise<ClientRun> {
  const bench = await setUpPipelineBench({ partitions, env: { LOUPE_SCORER_KAFKA_CLIENT: client } });
  const { config, admin } = bench;
  try {
    const produceStarted = performance.now();
    await produceAll(bench.producer, config.topics.transactions, transactions);
    const producePerSec = Math.round(records / ((performance.now() - produceStarted) / 1000));
    const kafkaConsumePerSec = await kafkaConsumeCeiling(config.kafka.brokers.join(','), config.topics.transactions, records);
    const scorers = await Promise.all(Array.from({ length: scorerCount }, (_, i) => startScorerProcess(bench.env, `bench-scorer-${i}`)));
    let rate;
    let metrics;
    let cpuAtStart = 0;
    try {
      // The scorers' CPU where the measured span starts: the last reading before anything was
      // committed (a scorer not answering yet has used none of the span's CPU).
      const cpuOf = async () => (await Promise.all(scorers.map((scorer) => scorer.metrics().then((m) => m.cpuSeconds, () => 0)))).reduce((a, b) => a + b, 0);
      const onIdle = async () => {
        cpuAtStart = await cpuOf();
      };
      rate = await Promise.race([sustainedRate(admin, config.scorer.groupId, config.topics.transactions, records, { onIdle }), ...scorers.map((scorer) => scorer.exited)]);
      metrics = await Promise.all(scorers.map((scorer) => scorer.metrics()));
    } finally {
      await Promise.all(scorers.map((scorer) => scorer.stop()));
    }
    const committed = await committedCount(admin, config.scorer.groupId, config.topics.transactions);
    const decisions = Number((await bench.pool.query('SELECT count(*) AS n FROM decisions')).rows[0].n);
    if (decisions !== records || committed !== records) throw new Error(`${client}: ${decisions} decisions and ${committed} committed offsets for ${records} transactions`);
    const postgresCopy = await postgresCopyCeiling(bench.pool, config.database.schema, config.scorer.batchSize);
    const run: ClientRun = {
      client,
      txPerSec: rate.perSec,
      seconds: Number(rate.seconds.toFixed(2)),
      producePerSec,
      kafkaConsumePerSec,
      postgresCopyPerSec: postgresCopy.perSec,
      postgresCopyOneStreamPerSec: postgresCopy.oneStreamPerSec,
      postgresCopyBatchedPerSec: postgresCopy.batchedPerSec,
      ceilingRatio: Number((rate.perSec / Math.min(kafkaConsumePerSec, postgresCopy.perSec)).toFixed(4)),
      scorerCpuUsPerTx: Math.round(((metrics.reduce((sum, m) => sum + m.cpuSeconds, 0) - cpuAtStart) * 1e6) / records),
      batches: metrics.reduce((sum, m) => sum + m.batches, 0),
      phaseSeconds: sumPhases(metrics.map((m) => m.phaseSeconds)),
    };
    process.stderr.write(`[end-to-end] ${client}: ${run.txPerSec} tx/s, ${run.ceilingRatio} of the lower ceiling\n`);
    return run;
  } finally {
    await bench.teardown();
  }
}

const median = (xs: number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

const runs: ClientRun[] = [];
for (let round = 0; round < Number(values.rounds); round++) {
  const order = round % 2 === 0 ? clients : [...clients].reverse();
  for (const client of order) runs.push(await runOnce(client));
}
const runsOf = (client: KafkaClientName) => runs.filter((run) => run.client === client);
const byClient = Object.fromEntries(clients.map((client) => [client, Math.round(median(runsOf(client).map((run) => run.txPerSec)))])) as Record<KafkaClientName, number>;
const headlineClient = byClient.kafkajs === undefined ? clients[0]! : 'kafkajs';

console.log(
  JSON.stringify({
    benchmark: 'end-to-end',
    date: new Date().toISOString(),
    cores: cpus().length,
    records,
    partitions,
    scorers: scorerCount,
    endToEndTxPerSec: byClient[headlineClient],
    endToEndCeilingRatio: Number(median(runsOf(headlineClient).map((run) => run.ceilingRatio)).toFixed(4)),
    kafkaConsumeCeilingPerSec: Math.round(median(runs.map((run) => run.kafkaConsumePerSec))),
    scorerCpuUsPerTx: Math.round(median(runsOf(headlineClient).map((run) => run.scorerCpuUsPerTx))),
    postgresCopyCeilingPerSec: Math.round(median(runs.map((run) => run.postgresCopyPerSec))),
    endToEndTxPerSecByClient: byClient,
    ...(byClient.kafkajs && byClient.platformatic ? { platformaticToKafkajs: Number((byClient.platformatic / byClient.kafkajs).toFixed(3)) } : {}),
    runs,
  }),
);
