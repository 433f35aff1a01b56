import type { Server } from 'node:http';
import type { Config } from '../platform/config.ts';
import { createKafka, ensureTopicsExist } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { selectBackend } from '../model/index.ts';
import { buildAuditApp } from './app.ts';
import { type LiveFeed, startLiveFeed } from './live-feed.ts';
import { createModelCache } from './model-cache.ts';

/** Request bodies are queries, not data: anything larger is refused before parsing. */
const MAX_BODY_BYTES = 64 * 1024;

/** Wires the audit API to Postgres (and Kafka for live subscriptions), listens, stops on a signal. */
export async function runAudit(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  // Replay rebuilds models, so the audit API picks a TensorFlow backend like the scorer does.
  const backend = await selectBackend(config.model.backend);
  logger.info({ backend: backend.name }, 'tensorflow backend');
  const pool = createPool({ ...config.database, applicationName: 'loupe-audit' });
  let live: LiveFeed | null = null;
  if (config.audit.live) {
    const kafka = createKafka(config, logger);
    await ensureTopicsExist(kafka, config);
    live = await startLiveFeed({ kafka, topics: config.topics, logger: logger.child({ component: 'audit-live' }) });
  }
  const models = createModelCache(pool);
  const app = buildAuditApp({
    pool,
    models,
    live,
    logger: logger.child({ component: 'audit' }),
    introspection: config.audit.introspection,
    limits: { maxDepth: config.audit.maxDepth, maxCost: config.audit.maxCost, maxTokens: config.audit.maxTokens, maxBodyBytes: MAX_BODY_BYTES },
  });
  const server: Server = app.listen(config.audit.httpPort, '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.audit.httpPort, live: live !== null, introspection: config.audit.introspection }, 'audit API listening on /graphql');

  stopOnSignals(logger, async () => {
    // Open subscriptions are long-lived responses; closing them is what lets the server stop.
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await live?.stop();
    models.dispose();
    await pool.end();
  });
}
