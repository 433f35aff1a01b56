import { basename } from 'node:path';
import { parseArgs } from 'node:util';
import { MappingError } from '../../datasets/column-mapping.ts';
import { CsvError } from '../../datasets/csv.ts';
import { openLabelledDataset } from '../../datasets/labelled-dataset.ts';
import { columnMappingFromCommandLine, MAPPING_FLAG_OPTIONS } from '../../datasets/mapping-flags.ts';
import { type Chargeback, recordChargebacks } from '../../labels/import-chargebacks.ts';
import { createPool, migrate } from '../../platform/postgres.ts';
import { type Command, UsageError } from '../command.ts';

const HELP = `usage: loupe labels import FILE.csv[.gz] --mapping NAME|FILE [--delay-days D] [--frauds-only]
Imports delayed labels (chargebacks, or the issuer's confirmed outcomes) as labels with source
"chargeback", kept apart from analysts' review labels in training. Each is known --delay-days after
its transaction's time (default 7, the handbook's protocol): training never sees it earlier.
  FILE              CSV, plain or gzipped; the mapping names the id, time and label columns
  --mapping NAME|FILE  built in: handbook, ulb-creditcard; and/or --label --id --time --time-format
                    --timezone --time-origin
  --delay-days D    days from the transaction to when its label became known (default 7)
  --frauds-only     import only frauds (a chargeback feed); otherwise every row's label
Re-running an import records nothing twice. Labels go on the labels topic through the outbox.`;

const usage = (message: string) => new UsageError(`${message}\n\n${HELP}`);
const BATCH = 1000;

export const labelsCommand: Command = {
  summary: 'labels import FILE --mapping M: delayed (chargeback) labels from a CSV',
  async run(args, { config, logger }) {
    const { values, positionals } = parseArgs({
      args,
      allowPositionals: true,
      options: { ...MAPPING_FLAG_OPTIONS, 'delay-days': { type: 'string', default: '7' }, 'frauds-only': { type: 'boolean', default: false }, help: { type: 'boolean', default: false } },
    });
    if (values.help) {
      console.log(HELP);
      return 0;
    }
    const [action, file, ...rest] = positionals;
    if (action !== 'import') throw usage(action === undefined ? 'a subcommand is required' : `unknown subcommand "${action}"`);
    if (file === undefined || rest.length > 0) throw usage('import takes exactly one FILE');
    const delayDays = Number(values['delay-days']);
    if (!(Number.isFinite(delayDays) && delayDays >= 0)) throw usage(`--delay-days must be a number ≥ 0, got "${values['delay-days']}"`);

    let dataset;
    try {
      const mapping = await columnMappingFromCommandLine(values);
      dataset = await openLabelledDataset(file, mapping);
    } catch (error) {
      if (error instanceof MappingError || error instanceof CsvError) {
        console.error(`loupe: ${error.message}`);
        return 1;
      }
      throw error;
    }
    await migrate(config.database, logger);
    const pool = createPool(config.database);
    const importer = `import:${basename(file)}`;
    const totals = { rows: 0, recorded: 0, alreadyKnown: 0 };
    const started = Date.now();
    let lastReport = started;
    try {
      let batch: Chargeback[] = [];
      const flush = async () => {
        const counts = await recordChargebacks(pool, batch, importer);
        totals.recorded += counts.recorded;
        totals.alreadyKnown += counts.alreadyKnown;
        batch = [];
      };
      for await (const record of dataset.records()) {
        totals.rows += 1;
        if (values['frauds-only'] && record.label !== 1) continue;
        batch.push({ transactionId: record.id, label: record.label === 1 ? 'fraud' : 'legit', knownAt: new Date(record.timestampMs + delayDays * 86_400_000) });
        if (batch.length >= BATCH) await flush();
        if (Date.now() - lastReport > 2000) {
          lastReport = Date.now();
          console.error(`[labels] ${totals.rows} rows read, ${totals.recorded} recorded, ${totals.alreadyKnown} already known`);
        }
      }
      await flush();
    } catch (error) {
      if (error instanceof MappingError || error instanceof CsvError) {
        console.error(`loupe: ${error.message}`);
        return 1;
      }
      throw error;
    } finally {
      await dataset.close();
      await pool.end();
    }
    console.log(`${totals.recorded} labels recorded from ${totals.rows} rows (${totals.alreadyKnown} already known) in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  },
};
