import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { createKafka, createProducer } from '../../platform/kafka.ts';
import { createSimulator, FRAUD_PATTERNS, type FraudPattern } from '../../simulator/index.ts';
import { type Command, UsageError } from '../command.ts';

const HELP = `usage: loupe simulate [options]
  --count N               transactions to produce (default 20000)
  --rate R                at most R transactions per wall-clock second (default 1000)
  --accounts A            simulated accounts (default 5000)
  --merchants M           simulated merchants (default 500)
  --per-account-daily D   average transactions per account per event-time day (default 4)
  --fraud-rate F          chance that an arrival starts a fraud episode (default 0.002)
  --patterns LIST         comma-separated: ${FRAUD_PATTERNS.join(', ')} (default all)
  --seed S                same seed, same stream (default: from the clock, printed at start)
  --truth FILE            write the ground truth, one JSON line per transaction
Event time ends at about now and starts count / (accounts * D / 86400) seconds earlier, so each
account sees a realistic number of transactions per day whatever the wall-clock rate.`;

const PRODUCE_BATCH = 500;

function positive(name: string, raw: string, integer: boolean): number {
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0 || (integer && !Number.isInteger(value))) {
    throw new UsageError(`--${name} must be a positive ${integer ? 'whole ' : ''}number, got "${raw}"\n\n${HELP}`);
  }
  return value;
}

export const simulateCommand: Command = {
  summary: 'produce a realistic labelled transaction stream to the transactions topic',
  async run(args, { config, logger }) {
    const { values } = parseArgs({
      args,
      options: {
        count: { type: 'string', default: '20000' },
        rate: { type: 'string', default: '1000' },
        accounts: { type: 'string', default: '5000' },
        merchants: { type: 'string', default: '500' },
        'per-account-daily': { type: 'string', default: '4' },
        'fraud-rate': { type: 'string', default: '0.002' },
        patterns: { type: 'string' },
        seed: { type: 'string' },
        truth: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const count = positive('count', values.count, true);
    const rate = positive('rate', values.rate, false);
    const accounts = positive('accounts', values.accounts, true);
    const perAccountDaily = positive('per-account-daily', values['per-account-daily'], false);
    const fraudRate = Number(values['fraud-rate']);
    if (!(fraudRate >= 0 && fraudRate <= 1)) throw new UsageError(`--fraud-rate must be between 0 and 1\n\n${HELP}`);
    const patterns = values.patterns?.split(',').map((p) => p.trim()) as FraudPattern[] | undefined;
    for (const pattern of patterns ?? []) {
      if (!FRAUD_PATTERNS.includes(pattern)) throw new UsageError(`unknown pattern "${pattern}"\n\n${HELP}`);
    }

    // Transaction ids embed the seed, so a fresh seed per run gives fresh ids; a given seed replays.
    const seed = values.seed === undefined ? Date.now() % 2_147_483_647 : Number(values.seed);
    if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be a whole number\n\n${HELP}`);
    const eventRate = (accounts * perAccountDaily) / 86_400;
    logger.info({ seed, count, eventRatePerSecond: eventRate }, 'simulating with this seed');
    const simulator = createSimulator({
      seed,
      accounts,
      merchants: positive('merchants', values.merchants, true),
      startMs: Date.now() - Math.round((count / eventRate) * 1000),
      ratePerSecond: eventRate,
      fraudRate,
      ...(patterns ? { patterns } : {}),
    });
    const truth = values.truth ? createWriteStream(values.truth) : null;
    const producer = createProducer(createKafka(config, logger), { idempotent: true });
    await producer.connect();

    let interrupted = false;
    const interrupt = () => {
      interrupted = true;
    };
    process.once('SIGINT', interrupt);
    process.once('SIGTERM', interrupt);
    const started = Date.now();
    let produced = 0;
    let frauds = 0;
    let lastReport = started;
    try {
      while (produced < count && !interrupted) {
        const batch = simulator.take(Math.min(PRODUCE_BATCH, count - produced));
        await producer.send({
          topic: config.topics.transactions,
          messages: batch.map(({ transaction }) => ({ key: transaction.accountId, value: JSON.stringify(transaction) })),
        });
        for (const { transaction, truth: t } of batch) {
          if (t.fraud) frauds++;
          if (truth && !truth.write(`${JSON.stringify({ transactionId: transaction.id, ...t })}\n`)) await once(truth, 'drain');
        }
        produced += batch.length;
        // Pace to the requested wall-clock rate.
        const ahead = (produced / rate) * 1000 - (Date.now() - started);
        if (ahead > 0) await new Promise((resolve) => setTimeout(resolve, ahead));
        if (Date.now() - lastReport >= 5000 || produced === count) {
          lastReport = Date.now();
          const seconds = (lastReport - started) / 1000;
          logger.info({ produced, of: count, frauds, perSecond: Math.round(produced / seconds) }, 'simulating');
        }
      }
    } finally {
      process.off('SIGINT', interrupt);
      process.off('SIGTERM', interrupt);
      await producer.disconnect();
      if (truth) {
        truth.end();
        await once(truth, 'finish');
      }
    }
    console.log(`produced ${produced} transactions (${frauds} in fraud episodes) to ${config.topics.transactions}${interrupted ? ' (interrupted)' : ''}`);
    return 0;
  },
};
