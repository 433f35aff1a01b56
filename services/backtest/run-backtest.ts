import { createHash, randomBytes } from 'node:crypto';
import type { Producer } from 'kafkajs';
import pg from 'pg';
import type { ColumnMapping } from '../datasets/column-mapping.ts';
import { openLabelledDataset } from '../datasets/labelled-dataset.ts';
import { toTransaction } from '../datasets/to-transaction.ts';
import type { Transaction } from '../domain/index.ts';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import { createRowEncoder } from '../features/row-encoder.ts';
import { recordChargebacks } from '../labels/import-chargebacks.ts';
import { loadAnomalyModel } from '../model/anomaly-model.ts';
import { defaultTraining } from '../model/autoencoder.ts';
import { trainHead } from '../model/supervised-head.ts';
import { handbookSplit } from '../evaluation/split.ts';
import { type Config, loadConfig } from '../platform/config.ts';
import { createKafka, createProducer, ensureTopics, groupCaughtUp } from '../platform/kafka.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate, withTransaction } from '../platform/postgres.ts';
import { anomalyLogOdds } from '../policy/decide.ts';
import { decideWithModel } from '../policy/decide-with-model.ts';
import { announceChampion } from '../registry/announce-champion.ts';
import { saveModelVersion } from '../registry/model-queries.ts';
import type { StoredModel } from '../registry/model-store.ts';
import { labelItem } from '../review/label-item.ts';
import { claimNextItem } from '../review/queue/claim-next-item.ts';
import { createChampionWatcher } from '../scorer/champion-watcher.ts';
import { createScorerTransport } from '../scorer/create-transport.ts';
import { createScorer } from '../scorer/scorer.ts';
import { buildModelVersion } from '../trainer/build-model-version.ts';
import { CSV_TRANSACTION_DEFAULTS } from '../trainer/csv-training-rows.ts';
import { trainHeadCandidate } from '../trainer/head-candidate.ts';
import { refreshAutoencoder } from '../trainer/refresh-autoencoder.ts';
import { type DayRow, rankingSummaries, type RankingSummary, type ScoredTestTransaction } from './backtest-metrics.ts';

const DAY_MS = 86_400_000;
const ANALYST = 'backtest-analyst';
const PRODUCE_CHUNK = 2000;

export interface BacktestOptions {
  file: string;
  mapping: ColumnMapping;
  spec: CompiledFeatureSpec;
  /** Start (UTC midnight) of the week the starting autoencoder is trained on. */
  trainStartMs: number;
  trainDays: number;
  /** Days between the end of training and the first test day: the label delay of the protocol. */
  delayDays: number;
  testDays: number;
  /** Days replayed through the pipeline before the test period, so accounts and merchants have history. */
  warmupDays: number;
  /** Items the simulated analyst labels per day (the k of precision@k and card-precision@k). */
  budgetPerDay: number;
  /** Delayed labels for what the analyst did not see: none, frauds only (chargebacks), or all. */
  delayedLabels: 'none' | 'frauds' | 'all';
  /** Share of accounts replayed (by a hash of the account id): 1 replays them all. */
  accountSample: number;
  epochs: number;
  seed: number;
  /** Fine-tune the autoencoder on recent traffic every this many test days (0: never). */
  refreshDays: number;
  /** Keep the run's schema and topics for inspection. */
  keep: boolean;
  /**
   * Score cards already known to be compromised too. By default they are dropped from each test
   * day, as the handbook's protocol and `loupe evaluate` do: those cards would already be blocked.
   */
  keepKnownCompromised: boolean;
  backend: string;
}

export interface BacktestSummary extends RankingSummary {
  dataset: string;
  featureSpec: string;
  windows: { trainFrom: string; trainTo: string; replayFrom: string; testFrom: string; testTo: string };
  k: number;
  budgetPerDay: number;
  delayedLabels: BacktestOptions['delayedLabels'];
  accountSample: number;
  testTransactions: number;
  testFrauds: number;
  /** Test transactions of cards already known compromised, left out of every metric. */
  removedKnownCompromised: number;
  reviewed: number;
  reviewedFraction: number;
  unsupervisedBaseline: RankingSummary;
  supervisedBaseline: RankingSummary;
  /** The loop against the supervised baseline: the bars of issue 5 are read off these. */
  ratios: { averagePrecisionToSupervised: number; cardPrecisionToSupervised: number };
  finalChampion: string;
  promotions: number;
  seconds: number;
  days: DayRow[];
}

const inSample = (accountId: string, share: number) => share >= 1 || createHash('sha256').update(accountId).digest().readUInt32BE(0) / 2 ** 32 < share;

interface Replayed {
  tx: Transaction;
  timeMs: number;
  fraud: 0 | 1;
}

async function readDataset(options: BacktestOptions, fromMs: number, toMs: number): Promise<Replayed[]> {
  const dataset = await openLabelledDataset(options.file, options.mapping);
  const rows: Replayed[] = [];
  try {
    for await (const record of dataset.records()) {
      if (record.timestampMs < fromMs || record.timestampMs >= toMs) continue;
      if (!inSample(record.accountId ?? record.id, options.accountSample)) continue;
      rows.push({ tx: toTransaction(record, CSV_TRANSACTION_DEFAULTS), timeMs: record.timestampMs, fraud: record.label });
    }
  } finally {
    await dataset.close();
  }
  return rows.sort((a, b) => a.timeMs - b.timeMs);
}

/**
 * Replays a labelled dataset through the real pipeline (Kafka, scorer, Postgres, trainer) in
 * event-time order, in a schema and topics of its own, with a simulated analyst who labels only
 * what reaches the review queue, `budgetPerDay` items a day. See the README, "Backtest".
 */
export async function runBacktest(base: Config, options: BacktestOptions, logger: Logger, progress: (line: string) => void): Promise<BacktestSummary> {
  const started = performance.now();
  const trainEnd = options.trainStartMs + options.trainDays * DAY_MS;
  const testStart = trainEnd + options.delayDays * DAY_MS;
  const testEnd = testStart + options.testDays * DAY_MS;
  const replayStart = testStart - options.warmupDays * DAY_MS;
  // The offline encoder needs the accounts' history before the training week too.
  const historyStart = Math.min(replayStart, options.trainStartMs) - (30 + Math.max(options.spec.labelHistoryDays.merchant, options.spec.labelHistoryDays.account)) * DAY_MS;
  const iso = (ms: number) => new Date(ms).toISOString();

  const runId = randomBytes(4).toString('hex');
  const config = loadConfig({
    ...process.env,
    DATABASE_URL: base.database.url,
    DATABASE_SCHEMA: `backtest_${runId}`,
    KAFKA_BROKERS: base.kafka.brokers.join(','),
    LOUPE_TOPIC_PREFIX: `backtest-${runId}.`,
    LOUPE_SCORER_GROUP: `backtest-${runId}-scorer`,
    LOUPE_SCORER_INSTANCE: `backtest-${runId}`,
    LOUPE_EARLIEST_TIMESTAMP: '1970-01-01T00:00:00Z',
    // The review budget holds the queue near what the simulated analyst labels a day.
    LOUPE_REVIEW_CAPACITY_PER_HOUR: String(options.budgetPerDay / 24),
  });
  progress(`run ${runId}: schema ${config.database.schema}, topics ${config.topics.transactions.replace(/transactions$/, '*')}`);

  progress(`reading ${options.file}`);
  const records = await readDataset(options, historyStart, testEnd);
  const truth = new Map(records.map((r) => [r.tx.id, r.fraud]));
  progress(`${records.length} transactions from ${iso(historyStart).slice(0, 10)} to ${iso(testEnd).slice(0, 10)}`);

  await migrate(config.database, logger);
  const pool = createPool({ ...config.database, applicationName: `backtest-${runId}` });
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  let producer: Producer | null = null;
  try {
    await admin.connect();
    await ensureTopics(admin, config);
    // 1. The unsupervised start: an autoencoder on the training week, as `loupe evaluate` trains it.
    const encoder = createRowEncoder(options.spec);
    let first = -1;
    for (const r of records) {
      if (r.timeMs >= trainEnd) break;
      const row = encoder.push(r.tx, r.fraud);
      if (first < 0 && r.timeMs >= options.trainStartMs) first = row;
    }
    const n = first < 0 ? 0 : encoder.count - first;
    if (n === 0) throw new Error(`no transactions in the training window ${iso(options.trainStartMs)} – ${iso(trainEnd)}`);
    progress(`training the starting autoencoder on ${n} transactions (${options.epochs} epochs)`);
    const version = await buildModelVersion(encoder.rows().subarray(first * encoder.width), n, options.spec, {
      seed: options.seed,
      epochs: options.epochs,
      batchSize: defaultTraining.batchSize,
      learningRate: defaultTraining.learningRate,
      validationFraction: defaultTraining.validationFraction,
      parentId: null,
      source: { kind: 'csv', file: options.file, backtest: runId },
      trainingFrom: iso(options.trainStartMs),
      trainingTo: iso(trainEnd),
      backend: options.backend,
    });
    const champion = await withTransaction(pool, (client) => saveModelVersion(client, version, 'backtest', 'backtest: the unsupervised start'));

    // 2. The real pipeline: a scorer on the run's topics, following model-updates.
    producer = createProducer(kafka, { idempotent: true });
    await producer.connect();
    const transport = createScorerTransport(config, logger, { kafka, chunkSize: 500 });
    const scorer = createScorer({ config, transport, pool, logger, model: loadAnomalyModel(champion!) });
    const watcher = createChampionWatcher({ kafka, pool, logger, config, scorer, featureSpecVersion: options.spec.version, pollSeconds: 3600 });
    await scorer.start();
    await watcher.start();

    // What the replay knows of each test day; the metrics are added once the decisions are scored.
    const replayedDays: Array<Pick<DayRow, 'day' | 'reviewed' | 'labelsKnown' | 'champion'>> = [];
    let reviewedTotal = 0;
    let promotions = 0;
    // Ctrl-C stops at the end of the day being replayed, so the run still removes its schema and topics.
    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
      progress('interrupted: stopping after this day and cleaning up');
    };
    process.once('SIGINT', interrupt).once('SIGTERM', interrupt);
    try {
      const replay = records.filter((r) => r.timeMs >= replayStart);
      let cursor = 0;
      let chargebackCursor = 0;
      for (let dayStart = replayStart; dayStart < testEnd; dayStart += DAY_MS) {
        if (interrupted) throw new Error('backtest interrupted');
        const dayEnd = dayStart + DAY_MS;
        const today: Replayed[] = [];
        while (cursor < replay.length && replay[cursor]!.timeMs < dayEnd) today.push(replay[cursor++]!);
        for (let i = 0; i < today.length; i += PRODUCE_CHUNK) {
          await producer.send({
            topic: config.topics.transactions,
            messages: today.slice(i, i + PRODUCE_CHUNK).map((r) => ({ key: r.tx.accountId, value: JSON.stringify(r.tx) })),
          });
        }
        const waitStart = Date.now();
        while (!(await groupCaughtUp(admin, config.scorer.groupId, config.topics.transactions))) {
          if (Date.now() - waitStart > 30 * 60_000) throw new Error('the scorer did not catch up within 30 minutes');
          await new Promise((resolve) => setTimeout(resolve, 100));
        }

        // Delayed labels that became known today, for transactions the analyst may not have seen.
        if (options.delayedLabels !== 'none') {
          const due: Replayed[] = [];
          while (chargebackCursor < replay.length && replay[chargebackCursor]!.timeMs + options.delayDays * DAY_MS < dayEnd) due.push(replay[chargebackCursor++]!);
          const chargebacks = due
            .filter((r) => options.delayedLabels === 'all' || r.fraud === 1)
            .map((r) => ({ transactionId: r.tx.id, label: r.fraud === 1 ? ('fraud' as const) : ('legit' as const), knownAt: new Date(r.timeMs + options.delayDays * DAY_MS) }));
          for (let i = 0; i < chargebacks.length; i += 1000) await recordChargebacks(pool, chargebacks.slice(i, i + 1000), 'backtest-chargebacks');
        }

        if (dayEnd <= testStart - DAY_MS) {
          progress(`${iso(dayStart).slice(0, 10)}: ${today.length} transactions (warm-up)`);
          continue;
        }
        if (dayEnd === testStart) {
          // Items left from the warm-up are history, not this analyst's queue.
          await pool.query(`UPDATE review_items SET status = 'escalated', escalated_by = 'backtest', note = 'warm-up' WHERE status IN ('open', 'claimed')`);
        }
        let reviewed = 0;
        if (dayStart >= testStart) {
          for (; reviewed < options.budgetPerDay; reviewed++) {
            const item = await claimNextItem(pool, ANALYST, 3600);
            if (item === null) break;
            await labelItem(pool, { itemId: item.id, analyst: ANALYST, label: truth.get(item.transactionId) === 1 ? 'fraud' : 'legit', labeledAt: new Date(dayEnd - 1) });
          }
          reviewedTotal += reviewed;
        }
        const testDay = Math.round((dayStart - testStart) / DAY_MS);
        const refresh = options.refreshDays > 0 && testDay >= 0 && (testDay + 1) % options.refreshDays === 0;
        const outcome = refresh
          ? await refreshAutoencoder(pool, config.policy, config.trainer.head, config.trainer.refresh, options.backend, 'backtest-trainer', logger)
          : await trainHeadCandidate(pool, config.policy, config.trainer.head, 'backtest-trainer', logger);
        if (outcome.status === 'promoted') {
          promotions += 1;
          await announceChampion(pool, producer, config.topics['model-updates']);
          const swapStart = Date.now();
          while (scorer.status().modelVersion !== outcome.candidateId) {
            if (Date.now() - swapStart > 60_000) throw new Error(`the scorer did not swap to ${outcome.candidateId} within 60 s`);
            await new Promise((resolve) => setTimeout(resolve, 50));
          }
        }
        if (dayStart >= testStart) {
          const labelsKnown = Number((await pool.query<{ n: string }>('SELECT count(*) AS n FROM labels WHERE labeled_at < $1', [new Date(dayEnd)])).rows[0]!.n);
          replayedDays.push({ day: iso(dayStart).slice(0, 10), reviewed, labelsKnown, champion: scorer.status().modelVersion ?? '' });
          progress(`${iso(dayStart).slice(0, 10)}: ${today.length} transactions, ${reviewed} reviewed, ${labelsKnown} labels known, ${refresh ? 'autoencoder refresh' : 'training'} ${outcome.status}${outcome.status === 'skipped' ? ` (${outcome.reason})` : ''}`);
        } else {
          progress(`${iso(dayStart).slice(0, 10)}: ${today.length} transactions (warm-up)`);
        }
      }
    } finally {
      process.off('SIGINT', interrupt).off('SIGTERM', interrupt);
      await watcher.stop();
      await scorer.stop();
    }

    // 3. Scores of the test period: the loop as it ran, and both baselines on the same rows.
    const split = handbookSplit(
      records.map((r) => ({ id: r.tx.id, timestampMs: r.timeMs, label: r.fraud, accountId: r.tx.accountId })),
      { trainStart: options.trainStartMs, trainDays: options.trainDays, delayDays: options.delayDays, testDays: options.testDays, removeKnownCompromised: !options.keepKnownCompromised },
    );
    const kept = new Set(split.test.map((record) => record.id));
    const scored = (await scoreTestPeriod(pool, config, options, truth, { replayStart, testStart, testEnd }, champion!)).filter((t) => kept.has(t.transactionId));
    const k = options.budgetPerDay;
    const dayRows: DayRow[] = replayedDays.map((replayed) => {
      const rows = scored.filter((t) => iso(t.eventMs).startsWith(replayed.day));
      return { ...replayed, transactions: rows.length, frauds: rows.filter((t) => t.fraud === 1).length, ...rankingSummaries(rows, k) };
    });
    const overall = rankingSummaries(scored, k);
    const summary: BacktestSummary = {
      dataset: options.file,
      featureSpec: options.spec.version,
      windows: { trainFrom: iso(options.trainStartMs), trainTo: iso(trainEnd), replayFrom: iso(replayStart), testFrom: iso(testStart), testTo: iso(testEnd) },
      k,
      budgetPerDay: options.budgetPerDay,
      delayedLabels: options.delayedLabels,
      accountSample: options.accountSample,
      ...overall.loop,
      testTransactions: scored.length,
      testFrauds: scored.filter((t) => t.fraud === 1).length,
      removedKnownCompromised: split.removedFromTest,
      reviewed: reviewedTotal,
      reviewedFraction: reviewedTotal / Math.max(1, scored.length),
      unsupervisedBaseline: overall.unsupervisedBaseline,
      supervisedBaseline: overall.supervisedBaseline,
      ratios: {
        averagePrecisionToSupervised: overall.loop.averagePrecision / overall.supervisedBaseline.averagePrecision,
        cardPrecisionToSupervised: overall.loop.cardPrecisionAtK / overall.supervisedBaseline.cardPrecisionAtK,
      },
      finalChampion: dayRows[dayRows.length - 1]?.champion ?? champion!.id,
      promotions,
      seconds: (performance.now() - started) / 1000,
      days: dayRows,
    };
    return summary;
  } finally {
    await producer?.disconnect();
    if (!options.keep) {
      await admin.deleteTopics({ topics: Object.values(config.topics) }).catch((error: unknown) => logger.warn({ err: error }, 'could not delete the run’s topics'));
    }
    await admin.disconnect();
    await pool.end();
    if (!options.keep) await dropSchema(config.database.url, config.database.schema);
  }
}

async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  } finally {
    await client.end();
  }
}

interface StoredRow {
  transaction_id: string;
  account_id: string;
  event_ms: number;
  probability: number;
  percentile: number | null;
  feature_vector: number[];
  rule_hits: Array<{ rule: string; type: 'block' | 'allow' | 'review' | 'signal'; reason: string; weight?: number }>;
}

/**
 * The test period's decisions with three scores each: the loop's probability, the starting
 * autoencoder's reconstruction error (heads change, the autoencoder does not), and a supervised head trained on every decision whose label was
 * known before the test period (all of them, from the ground truth), decided through the scorer's
 * own path.
 */
async function scoreTestPeriod(
  pool: pg.Pool,
  config: Config,
  options: BacktestOptions,
  truth: ReadonlyMap<string, 0 | 1>,
  windows: { replayStart: number; testStart: number; testEnd: number },
  start: StoredModel,
): Promise<ScoredTestTransaction[]> {
  const load = (fromMs: number, toMs: number) =>
    pool.query<StoredRow>(
      `SELECT transaction_id, account_id, (extract(epoch FROM event_time) * 1000)::float8 AS event_ms, probability,
              (anomaly->>'percentile')::float8 AS percentile, feature_vector, rule_hits
         FROM decisions WHERE event_time >= $1 AND event_time < $2 AND feature_vector IS NOT NULL ORDER BY event_time, transaction_id`,
      [new Date(fromMs), new Date(toMs)],
    );
  const known = (await load(windows.replayStart, windows.testStart - options.delayDays * DAY_MS)).rows;
  const test = (await load(windows.testStart, windows.testEnd)).rows;
  const input = (row: StoredRow) => ({ features: row.feature_vector, anomalyLogOdds: anomalyLogOdds(row.percentile ?? 0.5, 1), ruleHits: row.rule_hits });
  const labels = known.map((row) => truth.get(row.transaction_id) ?? 0);
  const head = labels.includes(1) && labels.includes(0) ? trainHead(options.spec.names, known.map(input), labels, labels.map(() => 1)) : null;
  // The starting autoencoder re-scores the test rows: later versions (refreshed on labelled
  // traffic) must not leak into the baseline without feedback.
  const startModel = loadAnomalyModel(start);
  const width = startModel.featureSpec.names.length;
  const unsupervised = new Float64Array(test.length);
  try {
    for (let i = 0; i < test.length; i += 4096) {
      const chunk = test.slice(i, i + 4096);
      const rows = new Float32Array(chunk.length * width);
      chunk.forEach((row, j) => rows.set(row.feature_vector.slice(0, width), j * width));
      startModel.assess(rows, chunk.length).forEach((anomaly, j) => {
        unsupervised[i + j] = anomaly.error;
      });
    }
  } finally {
    startModel.dispose();
  }
  return test.map((row, i) => {
    const anomaly = { error: 0, percentile: row.percentile ?? 0.5, topFeatures: [] };
    return {
      transactionId: row.transaction_id,
      accountId: row.account_id,
      eventMs: row.event_ms,
      fraud: truth.get(row.transaction_id) ?? 0,
      loop: row.probability,
      unsupervised: unsupervised[i]!,
      supervised: head ? decideWithModel({ ruleHits: row.rule_hits, anomaly, features: row.feature_vector, head }, config.policy).probability : Number.NaN,
    };
  });
}

