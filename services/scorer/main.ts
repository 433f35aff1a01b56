import type { Server } from 'node:http';
import type { Config } from '../platform/config.ts';
import { createKafka, ensureTopics } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { buildHealthApp } from './health-app.ts';
import { createScorer } from './scorer.ts';

/** Wires the scorer to real Kafka and Postgres, serves health endpoints, and stops cleanly on a signal. */
export async function runScorer(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  const pool = createPool(config.database);
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  await admin.disconnect();

  const scorer = createScorer({ config, kafka, pool, logger });
  const server: Server = buildHealthApp({ status: scorer.status, pool }).listen(config.scorer.httpPort, '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.scorer.httpPort }, 'health endpoints on /healthz, /readyz, /metrics');

  stopOnSignals(logger, async () => {
    await scorer.stop();
    await new Promise((resolve) => server.close(resolve));
    await pool.end();
  });
  await scorer.start();
}
