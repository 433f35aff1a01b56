import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { learningCurveHtml } from '../../backtest/learning-curve.ts';
import { type BacktestOptions, runBacktest } from '../../backtest/run-backtest.ts';
import { MappingError } from '../../datasets/column-mapping.ts';
import { CsvError } from '../../datasets/csv.ts';
import { columnMappingFromCommandLine, MAPPING_FLAG_OPTIONS } from '../../datasets/mapping-flags.ts';
import { parseDateTime } from '../../datasets/time.ts';
import { loadFeatureSpec } from '../../features/load-feature-spec.ts';
import { defaultTraining } from '../../model/autoencoder.ts';
import { selectBackend } from '../../model/index.ts';
import { type Command, UsageError, wholeNumberFlag } from '../command.ts';

const HELP = `usage: loupe backtest FILE.csv[.gz] --mapping NAME|FILE --spec NAME|FILE --train-start DATE --out DIR [options]
Replays a labelled dataset through the real pipeline (Kafka, scorer, Postgres, trainer) in event-time
order, in a schema and topics of its own, with a simulated analyst who labels only what reaches the
review queue. Writes DIR/summary.json (per-day rows, the loop and both baselines) and
DIR/learning-curve.html.
  --mapping NAME|FILE   built in: handbook, ulb-creditcard; and/or the mapping flags (--label --id
                        --time --account --merchant --amount --features ...)
  --spec NAME|FILE      feature spec (built in: card-default, handbook, ulb-pca)
  --train-start DATE    first day of the week the starting autoencoder is trained on (UTC)
  --train-days N        (default 7)   --delay-days N  label delay, training to test (default 7)
  --test-days N         (default 7)   --warmup-days N days replayed before the test (default 37)
  --budget N            items the analyst labels per day, also the k of the metrics (default 100)
  --delayed-labels none|frauds|all  labels of what the analyst did not see, known --delay-days
                        after each transaction (default all, the handbook's protocol)
  --accounts F          replay this share of the accounts (default 1)
  --epochs N --seed S   starting autoencoder (defaults ${defaultTraining.epochs}, 1)
  --refresh-days N      fine-tune the autoencoder on recent traffic every N test days (default 0: never)
  --keep-known-compromised  also score cards already known to be compromised (dropped by default,
                        as in the handbook's protocol and loupe evaluate)
  --keep                keep the run's schema and topics
  --out DIR             where to write the results (required)`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);

const whole = (flag: string, raw: string, min: number) => wholeNumberFlag(flag, raw, min, HELP);

export const backtestCommand: Command = {
  summary: 'backtest FILE --mapping M --spec S --train-start D --out DIR: replay with a simulated analyst',
  async run(args, { config, logger }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        ...MAPPING_FLAG_OPTIONS,
        spec: { type: 'string' },
        'train-start': { type: 'string' },
        'train-days': { type: 'string', default: '7' },
        'delay-days': { type: 'string', default: '7' },
        'test-days': { type: 'string', default: '7' },
        'warmup-days': { type: 'string', default: '37' },
        budget: { type: 'string', default: '100' },
        'delayed-labels': { type: 'string', default: 'all' },
        accounts: { type: 'string', default: '1' },
        epochs: { type: 'string', default: String(defaultTraining.epochs) },
        seed: { type: 'string', default: '1' },
        'refresh-days': { type: 'string', default: '0' },
        keep: { type: 'boolean', default: false },
        'keep-known-compromised': { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', default: false },
      },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [file, ...rest] = positionals;
    if (file === undefined || rest.length > 0) throw usage('exactly one FILE is required');
    if (values.spec === undefined || values['train-start'] === undefined || values.out === undefined) throw usage('--spec, --train-start and --out are required');
    const trainStartMs = parseDateTime(values['train-start'], 0);
    if (Number.isNaN(trainStartMs)) throw usage(`--train-start must be a date (2018-07-11), got "${values['train-start']}"`);
    const delayedLabels = values['delayed-labels'];
    if (delayedLabels !== 'none' && delayedLabels !== 'frauds' && delayedLabels !== 'all') throw usage('--delayed-labels must be none, frauds or all');
    const accountSample = Number(values.accounts);
    if (!(accountSample > 0 && accountSample <= 1)) throw usage(`--accounts must be in (0, 1], got "${values.accounts}"`);
    const options: Omit<BacktestOptions, 'mapping' | 'spec' | 'backend'> = {
      file,
      trainStartMs,
      trainDays: whole('train-days', values['train-days'], 1),
      delayDays: whole('delay-days', values['delay-days'], 0),
      testDays: whole('test-days', values['test-days'], 1),
      warmupDays: whole('warmup-days', values['warmup-days'], 1),
      budgetPerDay: whole('budget', values.budget, 1),
      delayedLabels,
      accountSample,
      epochs: whole('epochs', values.epochs, 1),
      seed: whole('seed', values.seed, 0),
      refreshDays: whole('refresh-days', values['refresh-days'], 0),
      keep: values.keep,
      keepKnownCompromised: values['keep-known-compromised'],
    };
    if (options.warmupDays < options.delayDays + 1) throw usage('--warmup-days must exceed --delay-days, so the supervised baseline has labels to learn from');

    let mapping;
    try {
      mapping = await columnMappingFromCommandLine(values);
    } catch (error) {
      if (error instanceof MappingError) {
        console.error(`loupe: ${error.message}`);
        return 1;
      }
      throw error;
    }
    const spec = await loadFeatureSpec(values.spec);
    const backend = await selectBackend(config.model.backend);
    try {
      const summary = await runBacktest(config, { ...options, mapping, spec, backend: backend.name }, logger, (line) => console.error(`[backtest] ${line}`));
      await mkdir(values.out, { recursive: true });
      await writeFile(join(values.out, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
      await writeFile(join(values.out, 'learning-curve.html'), learningCurveHtml(`Loupe backtest: ${file}`, summary.days));
      const f = (x: number) => (Number.isFinite(x) ? x.toFixed(3) : 'n/a');
      console.log(`loop: AP ${f(summary.averagePrecision)}, ROC AUC ${f(summary.rocAuc)}, card-precision@${summary.k} ${f(summary.cardPrecisionAtK)} (at most ${f(summary.cardPrecisionCeiling)} on these days); reviewed ${(summary.reviewedFraction * 100).toFixed(2)}% of ${summary.testTransactions}`);
      console.log(`autoencoder without feedback: AP ${f(summary.unsupervisedBaseline.averagePrecision)}, ROC AUC ${f(summary.unsupervisedBaseline.rocAuc)}, card-precision ${f(summary.unsupervisedBaseline.cardPrecisionAtK)}`);
      console.log(`supervised on all labels:     AP ${f(summary.supervisedBaseline.averagePrecision)}, ROC AUC ${f(summary.supervisedBaseline.rocAuc)}, card-precision ${f(summary.supervisedBaseline.cardPrecisionAtK)}`);
      console.log(`results in ${values.out}/summary.json and ${values.out}/learning-curve.html`);
      return 0;
    } catch (error) {
      if (error instanceof MappingError || error instanceof CsvError) {
        console.error(`loupe: ${error.message}`);
        return 1;
      }
      throw error;
    }
  },
};
