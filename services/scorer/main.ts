import type { Server } from 'node:http';
import type pg from 'pg';
import { loadColumnMapping } from '../datasets/column-mapping.ts';
import { loadFeatureSpec } from '../features/load-feature-spec.ts';
import { type AnomalyModel, loadAnomalyModel, selectBackend } from '../model/index.ts';
import type { Config } from '../platform/config.ts';
import { createKafka, ensureTopicsExist, SERVICE_RETRY } from '../platform/kafka.ts';
import { stopOnSignals } from '../platform/lifecycle.ts';
import type { Logger } from '../platform/logger.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import { ensureChampion } from '../trainer/bootstrap-champion.ts';
import { createChampionWatcher } from './champion-watcher.ts';
import { buildHealthApp } from './health-app.ts';
import { createScorerTransport } from './create-transport.ts';
import { createScorer } from './scorer.ts';

/**
 * The champion from the registry, on the configured TensorFlow.js backend. With no champion yet, one
 * is trained on simulated traffic and promoted (once, whichever scorer gets there first), so a fresh
 * installation scores with a model from its first transaction. `rules-only` skips all of it.
 */
async function prepareModel(config: Config, pool: pg.Pool, logger: Logger): Promise<{ model: AnomalyModel | null; backend: string | null }> {
  if (config.model.mode === 'rules-only') {
    logger.info('rules-only mode: no anomaly model');
    return { model: null, backend: null };
  }
  const backend = await selectBackend(config.model.backend);
  logger.info({ backend: backend.name, attempts: backend.attempts }, 'tensorflow backend selected');
  const spec = await loadFeatureSpec(config.model.featureSpec);
  const { bootstrapCsv, bootstrapMapping } = config.model;
  const fromFile = bootstrapCsv === null ? {} : { fromFile: { file: bootstrapCsv, mapping: await loadColumnMapping(bootstrapMapping) } };
  const champion = await ensureChampion(pool, spec, { actor: config.scorer.instanceId, logger, ...fromFile });
  const model = loadAnomalyModel(champion);
  logger.info({ modelVersion: model.version, featureSpec: spec.version }, 'champion loaded');
  return { model, backend: backend.name };
}

/** Wires the scorer to real Kafka and Postgres, serves health endpoints, and stops cleanly on a signal. */
export async function runScorer(config: Config, logger: Logger): Promise<void> {
  await migrate(config.database, logger);
  const pool = createPool({ ...config.database, applicationName: config.scorer.instanceId });
  const kafka = createKafka(config, logger, SERVICE_RETRY);
  await ensureTopicsExist(kafka, config);

  const { model, backend } = await prepareModel(config, pool, logger);
  const transport = createScorerTransport(config, logger, { kafka });
  const scorer = createScorer({ config, transport, pool, logger, model, ...(backend ? { backend } : {}) });
  const watcher =
    model === null
      ? null
      : createChampionWatcher({ kafka, pool, logger, config, scorer, featureSpecVersion: model.featureSpec.version, pollSeconds: config.model.pollSeconds });
  const server: Server = buildHealthApp({ status: scorer.status, pool }).listen(config.scorer.httpPort, '0.0.0.0');
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  logger.info({ port: config.scorer.httpPort }, 'health endpoints on /healthz, /readyz, /metrics');

  stopOnSignals(logger, async () => {
    await watcher?.stop();
    await scorer.stop(); // disposes the model it holds
    await new Promise((resolve) => server.close(resolve));
    await pool.end();
  });
  await scorer.start();
  await watcher?.start();
}
