import { writeFile } from 'node:fs/promises';
import { userInfo } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { MappingError } from '../../datasets/column-mapping.ts';
import { CsvError } from '../../datasets/csv.ts';
import { columnMappingFromCommandLine, MAPPING_FLAG_OPTIONS } from '../../datasets/mapping-flags.ts';
import { parseDateTime } from '../../datasets/time.ts';
import type { CompiledFeatureSpec } from '../../features/feature-spec.ts';
import { loadFeatureSpec } from '../../features/load-feature-spec.ts';
import { backendPreferences, type BackendPreference, defaultTraining, type EpochReport, selectBackend } from '../../model/index.ts';
import type { Logger } from '../../platform/logger.ts';
import { createPool, migrate, withTransaction } from '../../platform/postgres.ts';
import { findChampion } from '../../registry/model-store.ts';
import { buildModelVersion } from '../../trainer/build-model-version.ts';
import { loadCsvTrainingRows } from '../../trainer/csv-training-rows.ts';
import { formatLossCurve } from '../../trainer/loss-curve.ts';
import { loadPostgresTrainingRows, storedTransactionSpan } from '../../trainer/postgres-training-rows.ts';
import { saveModelVersion } from '../../registry/model-queries.ts';
import type { TrainingRows } from '../../trainer/training-rows.ts';
import { type Command, UsageError, wholeNumberFlag } from '../command.ts';

const HELP = `usage: loupe train FILE.csv[.gz] --mapping NAME|FILE --spec NAME|FILE [options]
       loupe train --from-postgres --since DATE --until DATE --spec NAME|FILE [options]
Trains an autoencoder (labels unused) and stores it in the model registry as a candidate, or as
the champion with --promote. Prints a line per epoch and, at the end, the loss curve and the id.
  FILE                    labelled CSV, plain or gzipped, read through a column mapping:
  --mapping NAME|FILE       built in: handbook, ulb-creditcard; and/or the flags --label --id --time
                            --time-format --timezone --time-origin --account --merchant --amount
                            --features --exclude
  --from DATE --to DATE   train on [from, to) of the file (default: all of it); earlier records
                          still build the accounts' history
  --from-postgres         train on the transactions stored with the scorer's decisions, re-encoded
                          from a fresh state, in event-time order
  --since DATE --until DATE  the window [since, until) for --from-postgres (required)
  --exclude-fraud         leave out transactions labelled fraud (CSV: the label column; Postgres:
                          each transaction's latest label)
  --spec NAME|FILE        feature spec (built in: card-default, handbook, ulb-pca) (required)
  --epochs N --batch-size N --learning-rate X --seed S   (defaults ${defaultTraining.epochs}, ${defaultTraining.batchSize}, ${defaultTraining.learningRate}, 1)
  --validation-fraction F most recent share of rows held out for the validation loss (default ${defaultTraining.validationFraction})
  --backend NAME          ${backendPreferences.join(' | ')} (default auto)
  --promote               make the new version champion; otherwise it is stored as a candidate
  --reason TEXT           why it is promoted (default "trained and promoted by loupe train")
  --actor NAME            who is recorded in the audit log (default: the OS user)
  --out FILE              write the loss curve, metrics and id as JSON
DATE is a UTC day (2018-07-11) or an ISO date-time with a zone. The new version's parent is the
champion at the time it is stored.`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);

/** The data cannot be trained on (empty window, unreadable file, mapping that does not fit): exit 1, no stack. */
class TrainingDataError extends Error {
  override name = 'TrainingDataError';
}

const isDataError = (error: unknown): error is Error => error instanceof TrainingDataError || error instanceof CsvError || error instanceof MappingError;

const whole = (flag: string, raw: string, min: number) => wholeNumberFlag(flag, raw, min, HELP);

function date(name: string, raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const ms = parseDateTime(raw, 0);
  if (Number.isNaN(ms)) throw usage(`--${name} must be a date (2018-07-11) or an ISO date-time, got "${raw}"`);
  return ms;
}

const iso = (ms: number | null | undefined) => (ms === null || ms === undefined ? null : new Date(ms).toISOString());

function defaultActor(): string {
  try {
    return userInfo().username;
  } catch {
    return 'loupe-cli';
  }
}

/** Logs every 5% (and the end) rather than every chunk or page. */
function progressLogger(logger: Logger, message: string): (progress: { fraction: number; rows: number }) => void {
  let next = 0;
  return ({ fraction, rows }) => {
    const percent = Math.floor(fraction * 100);
    if (percent < next && fraction < 1) return;
    next = percent + 5;
    logger.info({ percent, rows }, message);
  };
}

export const trainCommand: Command = {
  summary: 'train an autoencoder version from a CSV or from stored transactions; store it, optionally as champion',
  async run(args, { config, logger }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...MAPPING_FLAG_OPTIONS,
        from: { type: 'string' },
        to: { type: 'string' },
        'from-postgres': { type: 'boolean', default: false },
        since: { type: 'string' },
        until: { type: 'string' },
        'exclude-fraud': { type: 'boolean', default: false },
        spec: { type: 'string' },
        epochs: { type: 'string', default: String(defaultTraining.epochs) },
        'batch-size': { type: 'string', default: String(defaultTraining.batchSize) },
        'learning-rate': { type: 'string', default: String(defaultTraining.learningRate) },
        seed: { type: 'string', default: '1' },
        'validation-fraction': { type: 'string', default: String(defaultTraining.validationFraction) },
        backend: { type: 'string', default: 'auto' },
        promote: { type: 'boolean', default: false },
        reason: { type: 'string' },
        actor: { type: 'string' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const fromPostgres = values['from-postgres'];
    const [file, ...extra] = positionals;
    if (extra.length > 0) throw usage(`unexpected arguments: ${extra.join(' ')}`);
    if (fromPostgres === (file !== undefined)) throw usage('give either a FILE or --from-postgres');
    if (values.spec === undefined) throw usage('--spec is required');
    if (fromPostgres) {
      if (values.from !== undefined || values.to !== undefined) throw usage('--from/--to select a window of a FILE; with --from-postgres use --since/--until');
      if (values.since === undefined || values.until === undefined) throw usage('--from-postgres needs --since and --until');
      if (values.mapping !== undefined) throw usage('--mapping applies to a FILE, not to --from-postgres');
    } else {
      if (values.since !== undefined || values.until !== undefined) throw usage('--since/--until apply to --from-postgres; for a FILE use --from/--to');
    }
    const window = fromPostgres ? { from: date('since', values.since)!, to: date('until', values.until)! } : { from: date('from', values.from), to: date('to', values.to) };
    if (window.from !== undefined && window.to !== undefined && !(window.from < window.to)) throw usage(`the window must end after it starts (${iso(window.from)} … ${iso(window.to)})`);
    if (!backendPreferences.includes(values.backend as BackendPreference)) throw usage(`unknown --backend "${values.backend}"`);
    const learningRate = Number(values['learning-rate']);
    if (!(learningRate > 0 && Number.isFinite(learningRate))) throw usage('--learning-rate must be a positive number');
    const validationFraction = Number(values['validation-fraction']);
    if (!(validationFraction >= 0 && validationFraction < 0.9)) throw usage('--validation-fraction must be at least 0 and below 0.9');
    const training = {
      seed: whole('seed', values.seed, 0),
      epochs: whole('epochs', values.epochs, 1),
      batchSize: whole('batch-size', values['batch-size'], 1),
      learningRate,
      validationFraction,
    };
    const actor = values.actor ?? defaultActor();

    let spec: CompiledFeatureSpec;
    try {
      spec = await loadFeatureSpec(values.spec);
    } catch (error) {
      throw usage(`--spec ${values.spec}: ${(error as Error).message}`);
    }
    const backend = await selectBackend(values.backend as BackendPreference);
    logger.info({ backend: backend.name, attempts: backend.attempts }, 'tensorflow backend');

    await migrate(config.database, logger);
    const pool = createPool(config.database);
    try {
      let data: TrainingRows;
      let source: Record<string, unknown>;
      if (fromPostgres) {
        const loaded = await loadPostgresTrainingRows(pool, {
          spec,
          sinceMs: window.from!,
          untilMs: window.to!,
          excludeFraud: values['exclude-fraud'],
          onProgress: progressLogger(logger, 'reading'),
        });
        if (loaded.invalid > 0) logger.warn({ skipped: loaded.invalid, examples: loaded.invalidExamples }, 'stored transactions that no longer validate were skipped');
        if (loaded.total === 0) {
          const span = await storedTransactionSpan(pool);
          throw new TrainingDataError(`no stored transactions with event time in [${iso(window.from)}, ${iso(window.to)}); ${span ? `stored ones span ${span.from} … ${span.to}` : 'none are stored yet'}`);
        }
        logger.info({ rows: loaded.n, stored: loaded.total, excludedFraud: loaded.excludedFraud, fraudRows: loaded.fraudRows, features: loaded.d, spec: spec.version }, 'encoded');
        data = loaded;
        source = { kind: 'postgres', since: iso(window.from), until: iso(window.to), excludeFraud: values['exclude-fraud'], stored: loaded.total, skippedInvalid: loaded.invalid };
      } else {
        const mapping = await columnMappingFromCommandLine(values).catch((error: unknown) => {
          throw error instanceof MappingError ? usage(error.message) : error;
        });
        const loaded = await loadCsvTrainingRows({
          file: file!,
          mapping,
          spec,
          ...(window.from === undefined ? {} : { fromMs: window.from }),
          ...(window.to === undefined ? {} : { toMs: window.to }),
          excludeFraud: values['exclude-fraud'],
          onProgress: progressLogger(logger, 'reading'),
          onEncodeProgress: progressLogger(logger, 'encoding'),
        });
        if (loaded.missingFeatures.length > 0) {
          logger.warn({ spec: spec.version, missing: loaded.missingFeatures.slice(0, 10), count: loaded.missingFeatures.length }, 'the spec reads features the mapping does not provide: they stay at their default');
        }
        if (loaded.n === 0) {
          const span = loaded.dataFromMs === null ? 'the file has no records' : `its records span ${iso(loaded.dataFromMs)} … ${iso(loaded.dataToMs)}`;
          throw new TrainingDataError(`no records of ${file} in [${iso(window.from) ?? 'start'}, ${iso(window.to) ?? 'end'})${loaded.excludedFraud > 0 ? ' apart from fraud' : ''}; ${span}`);
        }
        logger.info({ rows: loaded.n, read: loaded.recordsRead, excludedFraud: loaded.excludedFraud, fraudRows: loaded.fraudRows, features: loaded.d, spec: spec.version }, 'encoded');
        data = loaded;
        source = { kind: 'csv', file: resolve(file!), mapping: values.mapping ?? 'flags', columnMapping: mapping, from: iso(window.from), to: iso(window.to), excludeFraud: values['exclude-fraud'] };
      }
      if (data.n < 2) throw new TrainingDataError(`only ${data.n} transaction in the window: at least 2 are needed to train`);
      if (data.n < 1000) logger.warn({ rows: data.n }, 'few training rows: the model will know little of normal traffic');

      const epochs: EpochReport[] = [];
      const model = await buildModelVersion(data.rows, data.n, spec, {
        ...training,
        parentId: (await findChampion(pool))?.id ?? null,
        source,
        trainingFrom: iso(window.from ?? data.firstMs),
        trainingTo: iso(window.to ?? data.lastMs),
        backend: backend.name,
        onEpoch: (report) => {
          epochs.push(report);
          logger.info(report, 'epoch');
        },
      });

      const reason = values.promote ? (values.reason ?? 'trained and promoted by loupe train') : null;
      // The parent is the champion when the version is stored: another one may have been promoted
      // while this one trained.
      const { stored, previous } = await withTransaction(pool, async (client) => {
        const champion = await findChampion(client);
        const version = { ...model, parentId: champion?.id ?? null };
        await saveModelVersion(client, version, actor, reason);
        return { stored: version, previous: champion };
      });
      if (values.promote && previous && previous.featureSpecVersion !== spec.version) {
        logger.warn({ champion: stored.id, spec: spec.version, previousSpec: previous.featureSpecVersion }, 'the new champion uses another feature spec: scorers must be configured with it');
      }
      const status = values.promote ? 'champion' : 'candidate';
      if (values.out) {
        const output = { id: stored.id, status, parentId: stored.parentId, featureSpecVersion: stored.featureSpecVersion, source, trainingFrom: stored.trainingFrom, trainingTo: stored.trainingTo, metrics: stored.metrics, training: { ...training, backend: backend.name }, epochs };
        await writeFile(values.out, `${JSON.stringify(output, null, 2)}\n`);
      }
      const m = stored.metrics;
      console.log(formatLossCurve(epochs));
      console.log(
        `\n${stored.id}  ${status}  ${data.n} rows  train loss ${m['trainLoss']?.toFixed(4)}` +
          `${m['validationLoss'] === undefined ? '' : `  val loss ${m['validationLoss'].toFixed(4)}`}` +
          `  calibration p50 ${m['calibrationP50']?.toFixed(4)} p99 ${m['calibrationP99']?.toFixed(4)}` +
          `  parent ${stored.parentId ?? '-'}`,
      );
      return 0;
    } catch (error) {
      if (!isDataError(error)) throw error;
      console.error(`loupe: ${error.message}`);
      return 1;
    } finally {
      await pool.end();
    }
  },
};
