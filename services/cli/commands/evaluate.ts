import { writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { columnMappingFromCommandLine, MAPPING_FLAG_OPTIONS } from '../../datasets/mapping-flags.ts';
import { encodeLabelledFile } from '../../evaluation/encoded-dataset.ts';
import { evaluateAutoencoder } from '../../evaluation/evaluate-autoencoder.ts';
import { loadFeatureSpec } from '../../features/load-feature-spec.ts';
import { backendPreferences, type BackendPreference, architectureFor, defaultTraining, disposeAutoencoder, selectBackend } from '../../model/index.ts';
import { type Command, UsageError, wholeNumberFlag } from '../command.ts';

const HELP = `usage: loupe evaluate FILE.csv[.gz] --mapping NAME|FILE [options]
Trains the autoencoder without labels on a training window and ranks a later test window by
reconstruction error, reporting ROC AUC, average precision, precision@k and card-precision@k.
  --mapping NAME|FILE     column mapping (built in: handbook, ulb-creditcard) and/or the flags
                          --label --id --time --time-format --timezone --time-origin --account
                          --merchant --amount --features --exclude
  --spec NAME|FILE        feature spec (built in: card-default, handbook, ulb-pca; default: handbook)
  --train-start DATE      first training day, UTC (required)
  --train-days N          training days (default 7)
  --delay-days N          days between training and test, the label delay (default 7)
  --test-days N           test days (default 7)
  --keep-known-compromised  do not drop cards already known compromised from test days
  --epochs N --batch-size N --learning-rate X --seed S   training (defaults ${defaultTraining.epochs}, ${defaultTraining.batchSize}, ${defaultTraining.learningRate}, 1)
  --patience N            early stopping: stop when the validation loss (the last
                          ${defaultTraining.validationFraction * 100}% of the training window) has not improved for N epochs and
                          keep the best epoch, --epochs becoming a ceiling (default 0: every epoch)
  --k N                   k for precision@k and card-precision@k (default 100)
  --backend NAME          ${backendPreferences.join(' | ')} (default auto)
  --out FILE              write the full report as JSON
Transactions need a currency, country, channel and merchant category; datasets without them get
EUR, FR, card_present and 5999.`;

const int = (flag: string, raw: string, min: number) => wholeNumberFlag(flag, raw, min, HELP);

export const evaluateCommand: Command = {
  summary: 'train the autoencoder on a labelled CSV window and report ranking metrics on a later one',
  async run(args, { logger }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...MAPPING_FLAG_OPTIONS,
        spec: { type: 'string', default: 'handbook' },
        'train-start': { type: 'string' },
        'train-days': { type: 'string', default: '7' },
        'delay-days': { type: 'string', default: '7' },
        'test-days': { type: 'string', default: '7' },
        'keep-known-compromised': { type: 'boolean', default: false },
        epochs: { type: 'string', default: String(defaultTraining.epochs) },
        'batch-size': { type: 'string', default: String(defaultTraining.batchSize) },
        'learning-rate': { type: 'string', default: String(defaultTraining.learningRate) },
        patience: { type: 'string', default: '0' },
        seed: { type: 'string', default: '1' },
        k: { type: 'string', default: '100' },
        backend: { type: 'string', default: 'auto' },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [file] = positionals;
    if (file === undefined || values['train-start'] === undefined) throw new UsageError(`a FILE and --train-start are required\n\n${HELP}`);
    if (!backendPreferences.includes(values.backend as BackendPreference)) throw new UsageError(`unknown --backend "${values.backend}"\n\n${HELP}`);
    const learningRate = Number(values['learning-rate']);
    if (!(learningRate > 0)) throw new UsageError(`--learning-rate must be a positive number\n\n${HELP}`);
    const patience = int('patience', values.patience, 0);

    const backend = await selectBackend(values.backend as BackendPreference);
    logger.info({ backend: backend.name, attempts: backend.attempts }, 'tensorflow backend');
    const mapping = await columnMappingFromCommandLine(values);
    const spec = await loadFeatureSpec(values.spec);
    const dataset = await encodeLabelledFile(
      file,
      mapping,
      spec,
      { currency: 'EUR', country: 'FR', channel: 'card_present', merchantCategory: '5999' },
      ({ fraction, rows }) => logger.info({ percent: Math.round(fraction * 100), rows }, 'reading'),
    );
    logger.info({ rows: dataset.n, features: dataset.d, spec: spec.version }, 'encoded');

    const { report, model } = await evaluateAutoencoder(
      dataset,
      {
        trainStart: values['train-start'],
        trainDays: int('train-days', values['train-days'], 1),
        delayDays: int('delay-days', values['delay-days'], 0),
        testDays: int('test-days', values['test-days'], 1),
        removeKnownCompromised: !values['keep-known-compromised'],
      },
      {
        seed: int('seed', values.seed, 0),
        epochs: int('epochs', values.epochs, 1),
        batchSize: int('batch-size', values['batch-size'], 1),
        learningRate,
        validationFraction: defaultTraining.validationFraction,
        ...(patience > 0 ? { patience } : {}),
        architecture: architectureFor(spec.spec),
      },
      int('k', values.k, 1),
      (epoch) => logger.info(epoch, 'epoch'),
    );
    disposeAutoencoder(model);
    const output = { file, mapping: values.mapping ?? 'flags', backend: backend.name, ...report };
    if (values.out) await writeFile(values.out, `${JSON.stringify(output, null, 2)}\n`);
    const m = report.metrics;
    console.log(
      `ROC AUC ${m.rocAuc.toFixed(3)}  average precision ${m.averagePrecision.toFixed(3)}  ` +
        `precision@${m.k} ${m.precisionAtK.toFixed(3)}  card-precision@${m.k} ${m.cardPrecisionAtK.toFixed(3)}  ` +
        `(${report.split.testRows} test rows, ${report.split.testFrauds} frauds, trained on ${report.split.trainRows} in ${report.training.seconds.toFixed(1)} s, ` +
        `${report.training.epochs} epochs${report.training.keptEpoch === report.training.epochs ? '' : `, weights of epoch ${report.training.keptEpoch}`})`,
    );
    return 0;
  },
};
