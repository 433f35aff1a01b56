// A scorer must never start without a model: on a fresh database there is no champion yet, so the
// first scorer trains one on simulated traffic and promotes it. The result is a placeholder that
// knows what ordinary card traffic looks like; `loupe train --promote` replaces it with a model of
// the real traffic.
import * as tf from '@tensorflow/tfjs';
import type pg from 'pg';
import type { CompiledFeatureSpec } from '../features/feature-spec.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction } from '../platform/postgres.ts';
import { findChampion, type StoredModel } from '../registry/model-store.ts';
import { buildModelVersion } from './build-model-version.ts';
import { saveModelVersion } from '../registry/model-queries.ts';
import { simulatedTrainingRows } from './simulated-training-rows.ts';
import type { ColumnMapping } from '../datasets/column-mapping.ts';
import { loadCsvTrainingRows } from './csv-training-rows.ts';

/**
 * First key of the two-key advisory lock held while a bootstrap checks, trains, inserts and
 * promotes; the second key is the hash of the schema, so schemas sharing a database (tests,
 * tenants) bootstrap independently. ("LOUP" in ASCII.)
 */
const BOOTSTRAP_LOCK = 0x4c4f5550;

const SIMULATED_ACCOUNTS = 2000;
const SIMULATED_MERCHANTS = 500;
/** Transactions per account per event-time day: realistic, so velocity features look like production. */
const PER_ACCOUNT_DAILY = 4;
const FRAUD_RATE = 0.002;

export const BOOTSTRAP_REASON = 'bootstrap: no champion; trained on simulated traffic';

/**
 * The current champion; when there is none, trains one on `count` (default 20,000) simulated
 * transactions and promotes it. A champion built for another feature spec is refused: scoring
 * with it would feed it vectors it was not trained on.
 *
 * Two scorers starting at once on an empty registry must not both train and promote. The check,
 * training, insert and promotion run in one transaction under an advisory lock, and the check is
 * repeated once the lock is held: the second scorer waits for the first (seconds: the bootstrap
 * model is small) and then finds its champion. Holding a transaction open while training is
 * acceptable for this one-off start-up step, not for routine training (`loupe train`).
 *
 * Trains on whichever tfjs backend is active: select it first (services/model selectBackend).
 */
export async function ensureChampion(
  pool: pg.Pool,
  spec: CompiledFeatureSpec,
  options: {
    actor: string;
    simulatorSeed?: number;
    count?: number;
    /** Where simulated training traffic ends (ms); now by default. A fixed end gives the same model on every run. */
    simulatedEndMs?: number;
    /** Train on this labelled CSV (fraud rows left out) instead of simulated traffic. */
    fromFile?: { file: string; mapping: ColumnMapping };
    logger: Logger;
  },
): Promise<StoredModel> {
  const existing = await findChampion(pool);
  if (existing) return checkSpec(existing, spec);
  const count = options.count ?? 20_000;
  if (!(Number.isInteger(count) && count >= 100)) throw new RangeError(`count must be a whole number ≥ 100, got ${count}`);
  const seed = options.simulatorSeed ?? 1;
  const logger = options.logger.child({ component: 'bootstrap' });

  return withTransaction(pool, async (client) => {
    await client.query('SELECT pg_advisory_xact_lock($1, hashtext(current_schema()))', [BOOTSTRAP_LOCK]);
    const champion = await findChampion(client);
    if (champion) {
      logger.info({ modelVersion: champion.id }, 'another process promoted a champion while this one waited');
      return checkSpec(champion, spec);
    }
    const messageFeatures = spec.spec.features.flatMap((def) => (def.kind === 'message' ? [def.name] : []));
    if (messageFeatures.length > 0) {
      logger.warn({ spec: spec.version, features: messageFeatures.slice(0, 10) }, 'the simulator produces no pre-engineered features: the bootstrap model sees them as constants');
    }
    const { fromFile } = options;
    logger.info({ spec: spec.version, file: fromFile?.file, count, seed, backend: tf.getBackend() }, `no champion: training a first one on ${fromFile ? 'the given file' : 'simulated traffic'}`);

    const started = performance.now();
    const { rows, n, firstMs, lastMs, excludedFraud } = fromFile
      ? await loadCsvTrainingRows({ file: fromFile.file, mapping: fromFile.mapping, spec, excludeFraud: true })
      : simulatedRows(spec, seed, count, options.simulatedEndMs ?? Date.now());
    if (n === 0) throw new Error(`no rows to train a first model on${fromFile ? ` in ${fromFile.file}` : ''}`);
    const model = await buildModelVersion(rows, n, spec, {
      seed,
      epochs: 8,
      batchSize: 256,
      learningRate: 0.003,
      validationFraction: 0.1,
      parentId: null,
      source: fromFile
        ? { kind: 'csv', file: fromFile.file, excludedFraud }
        : { kind: 'simulator', seed, count, accounts: SIMULATED_ACCOUNTS, merchants: SIMULATED_MERCHANTS, fraudRate: FRAUD_RATE, excludedFraud },
      trainingFrom: firstMs === null ? null : new Date(firstMs).toISOString(),
      trainingTo: lastMs === null ? null : new Date(lastMs).toISOString(),
      backend: tf.getBackend(),
      onEpoch: (epoch) => logger.debug(epoch, 'bootstrap epoch'),
    });
    const reason = fromFile ? `bootstrap: no champion; trained on ${fromFile.file}` : BOOTSTRAP_REASON;
    const promoted = (await saveModelVersion(client, model, options.actor, reason))!;
    logger.info({ modelVersion: model.id, rows: n, seconds: (performance.now() - started) / 1000, metrics: model.metrics }, 'bootstrap champion promoted');
    return promoted;
  });
}

function checkSpec(champion: StoredModel, spec: CompiledFeatureSpec): StoredModel {
  if (champion.featureSpecVersion !== spec.version) {
    throw new Error(
      `the champion model ${champion.id} needs feature spec ${champion.featureSpecVersion} ("${champion.featureSpec.name}"), ` +
        `but this process is configured with ${spec.version}: configure the spec the champion was trained with, ` +
        `or train and promote a model for ${spec.version} (loupe train … --spec ${spec.spec.name} --promote)`,
    );
  }
  return champion;
}

/** `count` simulated transactions ending about `endMs` (see simulatedTrainingRows). */
function simulatedRows(spec: CompiledFeatureSpec, seed: number, count: number, endMs: number) {
  const ratePerSecond = (SIMULATED_ACCOUNTS * PER_ACCOUNT_DAILY) / 86_400;
  return simulatedTrainingRows(
    spec,
    {
      seed,
      accounts: SIMULATED_ACCOUNTS,
      merchants: SIMULATED_MERCHANTS,
      startMs: endMs - Math.round((count / ratePerSecond) * 1000),
      ratePerSecond,
      fraudRate: FRAUD_RATE,
    },
    count,
  );
}
