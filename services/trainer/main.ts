import type { Config } from '../platform/config.ts';
import { createKafka, createProducer, ensureTopicsExist, SERVICE_RETRY } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { selectBackend } from '../model/index.ts';
import { createLabelTrainer } from './label-trainer.ts';

/** Wires the label trainer to Kafka and Postgres and stops cleanly on a signal. */
export async function runTrainer(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  const backend = await selectBackend(config.model.backend);
  logger.info({ backend: backend.name }, 'tensorflow backend selected');
  const pool = createPool({ ...config.database, applicationName: 'loupe-trainer' });
  const kafka = createKafka(config, logger, SERVICE_RETRY);
  await ensureTopicsExist(kafka, config);
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const trainer = createLabelTrainer({ config, kafka, pool, producer, logger, actor: `trainer-${process.pid}`, backend: backend.name });
  stopOnSignals(logger, async () => {
    await trainer.stop();
    await producer.disconnect();
    await pool.end();
  });
  await trainer.start();
  logger.info({ group: config.trainer.groupId, debounceMs: config.trainer.debounceMs, gate: config.trainer.head }, 'trainer listening for labels');
}
