import type { Server } from 'node:http';
import type { Config } from '../platform/config.ts';
import { createKafka, createProducer, ensureTopics } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { buildReviewApp } from './app.ts';

/** Wires the review API to Postgres and Kafka, listens, and stops cleanly on a signal. */
export async function runReview(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  const pool = createPool({ ...config.database, applicationName: 'loupe-review' });
  const kafka = createKafka(config, logger);
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(admin, config);
  await admin.disconnect();
  // Idempotent: a retried send after a lost acknowledgement does not put the label on the topic twice.
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();

  const app = buildReviewApp({
    pool,
    producer,
    topics: config.topics,
    logger: logger.child({ component: 'review' }),
    leaseSeconds: config.review.leaseSeconds,
    secureCookies: config.review.secureCookies,
  });
  const server: Server = app.listen(config.review.httpPort, '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.review.httpPort, leaseSeconds: config.review.leaseSeconds }, 'review API listening');

  stopOnSignals(logger, async () => {
    await new Promise((resolve) => server.close(resolve));
    await producer.disconnect();
    await pool.end();
  });
}
