// Sustained transactions/s from `transactions` through ONE scorer process (bin/loupe score, with the
// champion model, rules and policy) to decisions committed in Postgres and produced on `decisions`,
// beside two ceilings measured in the same run on the same records: the broker's own consumer
// (ConsumerPerformance from the same jars) and Postgres's COPY of the same decision rows.
// Prints one JSON object.
//   node --import tsx bench/end-to-end.ts [--records 100000] [--accounts 50000] [--partitions 4] [--scorers 1]
import { cpus } from 'node:os';
import { parseArgs } from 'node:util';
import { committedCount, kafkaConsumeCeiling, postgresCopyCeiling, produceAll, setUpPipelineBench, simulatedTransactions, startScorerProcess, sustainedRate } from './support/pipeline-bench.ts';

const { values } = parseArgs({
  options: {
    records: { type: 'string', default: '100000' },
    accounts: { type: 'string', default: '50000' },
    partitions: { type: 'string', default: '4' },
    scorers: { type: 'string', default: '1' },
  },
});
const records = Number(values.records);
const scorerCount = Number(values.scorers);
const bench = await setUpPipelineBench({ partitions: Number(values.partitions) });
const { config, admin } = bench;
try {
  const transactions = simulatedTransactions(records, Number(values.accounts));
  const produceStarted = performance.now();
  await produceAll(bench.producer, config.topics.transactions, transactions);
  const producePerSec = Math.round(records / ((performance.now() - produceStarted) / 1000));

  const kafkaCeiling = await kafkaConsumeCeiling(config.kafka.brokers.join(','), config.topics.transactions, records);

  const scorers = Array.from({ length: scorerCount }, (_, i) => startScorerProcess(bench.env, `bench-scorer-${i}`));
  let endToEnd;
  try {
    endToEnd = await Promise.race([sustainedRate(admin, config.scorer.groupId, config.topics.transactions, records), ...scorers.map((scorer) => scorer.exited)]);
  } finally {
    await Promise.all(scorers.map((scorer) => scorer.stop()));
  }
  const decisions = Number((await bench.pool.query('SELECT count(*) AS n FROM decisions')).rows[0].n);
  if (decisions !== records) throw new Error(`${decisions} decisions for ${records} transactions`);
  const copy = await postgresCopyCeiling(bench.pool, config.database.schema);
  const lowerCeiling = Math.min(kafkaCeiling, copy.perSec);

  console.log(
    JSON.stringify({
      benchmark: 'end-to-end',
      date: new Date().toISOString(),
      cores: cpus().length,
      records,
      partitions: Number(values.partitions),
      scorers: scorerCount,
      committed: await committedCount(admin, config.scorer.groupId, config.topics.transactions),
      endToEndTxPerSec: endToEnd.perSec,
      seconds: Number(endToEnd.seconds.toFixed(2)),
      kafkaConsumeCeilingPerSec: kafkaCeiling,
      postgresCopyCeilingPerSec: copy.perSec,
      endToEndCeilingRatio: Number((endToEnd.perSec / lowerCeiling).toFixed(4)),
      producePerSec,
    }),
  );
} finally {
  await bench.teardown();
}
