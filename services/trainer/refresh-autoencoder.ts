import type pg from 'pg';
import { compileFeatureSpec } from '../features/feature-spec.ts';
import { disposeAutoencoder } from '../model/autoencoder.ts';
import { deserialiseModel } from '../model/serialise.ts';
import type { Logger } from '../platform/logger.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import { findChampion } from '../registry/model-store.ts';
import { buildModelVersion } from './build-model-version.ts';
import { type HeadTrainingConfig, type TrainingOutcome, trainHeadCandidate } from './head-candidate.ts';

export interface RefreshConfig {
  /** Days of the most recent traffic in the replay buffer. */
  days: number;
  /** At most this many rows, the most recent. */
  maxRows: number;
  /** Fewer rows than this: no refresh. */
  minRows: number;
  epochs: number;
  learningRate: number;
  seed: number;
}

export interface ReplayBuffer {
  rows: Float32Array;
  n: number;
  /** Transactions left out because their latest label is fraud. */
  excludedFrauds: number;
  /** Transactions in the buffer that an analyst or a chargeback confirmed legitimate. */
  confirmedLegit: number;
  fromMs: number;
  toMs: number;
}

/**
 * The most recent traffic of a feature spec as the scorer encoded it (the stored feature vectors,
 * so the model is tuned on exactly what it will see), in event-time order: confirmed fraud left
 * out, confirmed legitimate kept, the rest presumed legitimate as the unsupervised model assumes.
 */
export async function loadReplayBuffer(db: Pick<pg.Pool, 'query'>, featureSpecVersion: string, width: number, days: number, maxRows: number): Promise<ReplayBuffer> {
  const { rows } = await db.query<{ feature_vector: number[]; label: string | null; event_ms: number }>(
    `WITH latest AS (SELECT max(event_time) AS t FROM decisions WHERE feature_spec_version = $1)
     SELECT d.feature_vector, l.label, (extract(epoch FROM d.event_time) * 1000)::float8 AS event_ms
       FROM decisions d CROSS JOIN latest
       LEFT JOIN LATERAL (SELECT label FROM labels WHERE labels.transaction_id = d.transaction_id ORDER BY id DESC LIMIT 1) l ON true
      WHERE d.feature_spec_version = $1 AND d.feature_vector IS NOT NULL AND d.event_time > latest.t - make_interval(days => $2)
      ORDER BY d.event_time DESC, d.transaction_id DESC LIMIT $3`,
    [featureSpecVersion, days, maxRows],
  );
  rows.reverse();
  const kept = rows.filter((row) => row.label !== 'fraud');
  const buffer = new Float32Array(kept.length * width);
  kept.forEach((row, i) => buffer.set(row.feature_vector.slice(0, width), i * width));
  return {
    rows: buffer,
    n: kept.length,
    excludedFrauds: rows.length - kept.length,
    confirmedLegit: kept.filter((row) => row.label === 'legit').length,
    fromMs: rows[0]?.event_ms ?? Number.NaN,
    toMs: rows[rows.length - 1]?.event_ms ?? Number.NaN,
  };
}

/**
 * The periodic half of retraining: fine-tunes the champion's autoencoder on the replay buffer
 * (its weights and normalisation as the start, recalibrated on the buffer), trains a head for it
 * on the labels, and gates the pair against the champion like any candidate. Without enough
 * labels to judge it, nothing is promoted.
 */
export async function refreshAutoencoder(
  pool: pg.Pool,
  policy: PolicyConfig,
  headConfig: HeadTrainingConfig,
  refresh: RefreshConfig,
  backend: string,
  actor: string,
  logger: Logger,
): Promise<TrainingOutcome> {
  const championRow = await findChampion(pool);
  if (championRow === null) return { status: 'skipped', reason: 'no champion to refresh' };
  const spec = compileFeatureSpec(championRow.featureSpec);
  const buffer = await loadReplayBuffer(pool, championRow.featureSpecVersion, spec.names.length, refresh.days, refresh.maxRows);
  if (buffer.n < refresh.minRows) return { status: 'skipped', reason: `the replay buffer holds ${buffer.n} transactions, need ${refresh.minRows}` };
  const start = deserialiseModel(championRow.manifest, championRow.weights);
  let refreshed;
  try {
    refreshed = await buildModelVersion(buffer.rows, buffer.n, spec, {
      seed: refresh.seed,
      epochs: refresh.epochs,
      batchSize: 256,
      learningRate: refresh.learningRate,
      validationFraction: 0.1,
      start,
      parentId: championRow.id,
      source: { kind: 'replay-buffer', rows: buffer.n, excludedFrauds: buffer.excludedFrauds, confirmedLegit: buffer.confirmedLegit },
      trainingFrom: new Date(buffer.fromMs).toISOString(),
      trainingTo: new Date(buffer.toMs).toISOString(),
      backend,
    });
  } finally {
    disposeAutoencoder(start);
  }
  logger.info({ rows: buffer.n, excludedFrauds: buffer.excludedFrauds, autoencoder: refreshed.id }, 'autoencoder fine-tuned on the replay buffer');
  return trainHeadCandidate(pool, policy, headConfig, actor, logger, refreshed);
}
