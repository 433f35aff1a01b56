import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  type ColumnMapping,
  compileColumnMapping,
  loadColumnMapping,
  MappingError,
  parseColumnMapping,
} from '../../services/datasets/column-mapping.ts';
import { openCsv } from '../../services/datasets/csv.ts';
import { openLabelledDataset } from '../../services/datasets/labelled-dataset.ts';
import { columnMappingFromCommandLine, columnMappingFromFlags, MAPPING_FLAG_OPTIONS } from '../../services/datasets/mapping-flags.ts';
import { parseDateTime, parseZoneOffset } from '../../services/datasets/time.ts';
import { toTransaction } from '../../services/datasets/to-transaction.ts';

const fixtures = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures');
const HANDBOOK = join(fixtures, 'handbook-head.csv');
const ULB_A = join(fixtures, 'ulb-subset-a-head.csv');
const ULB_B = join(fixtures, 'ulb-subset-b-head.csv');
const ULB_ORIGIN = Date.UTC(2013, 8, 1);
const V_FEATURES = [...Array.from({ length: 28 }, (_, i) => `V${i + 1}`), 'Amount'];

async function readRecords(file: string, mapping: ColumnMapping) {
  const dataset = await openLabelledDataset(file, mapping);
  const records = [];
  for await (const record of dataset.records()) records.push(record);
  return { dataset, records };
}

describe('parseDateTime', () => {
  it('reads the handbook format and ISO 8601 in UTC unless told otherwise', () => {
    assert.equal(parseDateTime('2018-04-01 00:00:31'), Date.UTC(2018, 3, 1, 0, 0, 31));
    assert.equal(parseDateTime('2018-04-01T00:00:31Z'), Date.UTC(2018, 3, 1, 0, 0, 31));
    assert.equal(parseDateTime('2018-04-01T02:00:31+02:00'), Date.UTC(2018, 3, 1, 0, 0, 31));
    assert.equal(parseDateTime('2018-04-01 01:00:31', 60), Date.UTC(2018, 3, 1, 0, 0, 31));
    assert.equal(parseDateTime('2018-04-01T00:00:31.25Z'), Date.UTC(2018, 3, 1, 0, 0, 31, 250));
    assert.equal(parseDateTime('2018-04-01 00:00'), Date.UTC(2018, 3, 1));
    assert.equal(parseDateTime('2018-04-01'), Date.UTC(2018, 3, 1));
    assert.equal(parseDateTime('2016-02-29 12:00:00'), Date.UTC(2016, 1, 29, 12));
  });

  it('refuses malformed or impossible values', () => {
    for (const bad of ['', '2018-4-1', '2018-04-31 00:00:00', '2018-02-29', '2018-13-01', '2018-04-01 24:00:00', '2018-04-01 00:00:60', '01/04/2018', '2018-04-01x']) {
      assert.ok(Number.isNaN(parseDateTime(bad)), bad);
    }
    assert.equal(parseZoneOffset('-05:30'), -330);
    assert.ok(Number.isNaN(parseZoneOffset('Europe/Brussels')));
  });
});

describe('column mapping files', () => {
  it('validates a mapping and lists every problem with its path', () => {
    assert.throws(
      () => parseColumnMapping({ label: 'y', time: { format: 'unix', column: 't' }, features: 'V*' }, 'bad.json'),
      (error: unknown) => error instanceof MappingError && /bad\.json: invalid column mapping/.test(error.message) && /time\.format/.test(error.message) && /features/.test(error.message),
    );
    assert.throws(() => parseColumnMapping({ label: 'y', time: { format: 'datetime', column: 't', timezone: 'CET' } }, 'tz.json'), /time\.timezone: must be "UTC" or an offset/);
    assert.throws(() => parseColumnMapping({ label: 'y', time: { format: 'datetime', column: 't' }, labels: 'z' }, 'extra.json'), /labels/);
  });

  it('loads the shipped mappings by name', async () => {
    const handbook = await loadColumnMapping('handbook');
    assert.equal(handbook.label, 'TX_FRAUD');
    assert.deepEqual(handbook.time, { format: 'datetime', column: 'TX_DATETIME', timezone: 'UTC' });
    const ulb = await loadColumnMapping('ulb-creditcard');
    assert.deepEqual(ulb.time, { format: 'seconds-offset', column: 'Time', origin: '2013-09-01T00:00:00Z' });
    await assert.rejects(loadColumnMapping('/nowhere/mapping.json'), /\/nowhere\/mapping\.json: cannot read column mapping/);
  });

  it('builds a mapping from command-line flags, overriding a mapping file', async () => {
    const { values } = parseArgs({
      args: ['--label', 'Class', '--time', 'Time', '--time-origin', '2013-09-01T00:00:00Z', '--amount', 'Amount', '--features', 'V*, Amount'],
      options: MAPPING_FLAG_OPTIONS,
    });
    const fromFlags = columnMappingFromFlags(values);
    assert.deepEqual(fromFlags, {
      label: 'Class',
      time: { format: 'seconds-offset', column: 'Time', origin: '2013-09-01T00:00:00Z' },
      amount: 'Amount',
      features: ['V*', 'Amount'],
      exclude: [],
    });
    const handbook = await loadColumnMapping('handbook');
    const overridden = columnMappingFromFlags({ timezone: '+02:00', features: 'TX_AMOUNT' }, handbook);
    assert.deepEqual(overridden.time, { format: 'datetime', column: 'TX_DATETIME', timezone: '+02:00' });
    assert.deepEqual(overridden.features, ['TX_AMOUNT']);
    assert.equal(overridden.account, 'CUSTOMER_ID');
    assert.throws(() => columnMappingFromFlags({ label: 'y' }), /command line: invalid column mapping:\n {2}time/);
    assert.deepEqual(await columnMappingFromCommandLine({ mapping: 'handbook' }), handbook);
    assert.equal((await columnMappingFromCommandLine({ mapping: 'handbook', label: 'TX_FRAUD_SCENARIO' })).label, 'TX_FRAUD_SCENARIO');
  });
});

describe('mapping the handbook data', () => {
  it('turns rows into labelled records: UTC times, customer as account, terminal as merchant, no features', async () => {
    const { dataset, records } = await readRecords(HANDBOOK, await loadColumnMapping('handbook'));
    assert.deepEqual(dataset.featureNames, []);
    assert.equal(records.length, 18);
    assert.deepEqual(records[0], {
      id: '0',
      timestampMs: Date.UTC(2018, 3, 1, 0, 0, 31),
      accountId: '596',
      merchantId: '3156',
      amount: 57.16,
      label: 0,
      features: {},
    });
    assert.deepEqual(
      records.filter((r) => r.label === 1).map((r) => [r.id, r.amount]),
      [['3527', 225.41], ['5790', 222.26], ['6549', 226.4]],
    );
  });

  it('agrees with the file’s own TX_TIME_SECONDS, so reading the datetime as UTC is right', async () => {
    const mapping = await loadColumnMapping('handbook');
    const csv = await openCsv(HANDBOOK);
    const mapper = compileColumnMapping(mapping, csv.header, HANDBOOK);
    const seconds = csv.header.indexOf('TX_TIME_SECONDS');
    let index = 0;
    for await (const row of csv) {
      const record = mapper.toRecord(row.fields, row.line, index++);
      assert.equal(record.timestampMs - Date.UTC(2018, 3, 1), Number(row.fields[seconds]) * 1000);
    }
  });

  it('never lets the fraud scenario or the restated times become features', async () => {
    const mapping = await loadColumnMapping('handbook');
    const header = (await openCsv(HANDBOOK)).header;
    // A pattern skips the label, excluded and identifying columns: only the amount is left.
    assert.deepEqual(compileColumnMapping({ ...mapping, features: ['TX_*'] }, header, HANDBOOK).featureNames, ['TX_AMOUNT']);
    assert.throws(
      () => compileColumnMapping({ ...mapping, features: ['TERMINAL*'] }, header, HANDBOOK),
      /feature pattern "TERMINAL\*" matches only "TERMINAL_ID", which patterns skip/,
    );
    assert.throws(() => compileColumnMapping({ ...mapping, features: ['TX_FRAUD_SCENARIO'] }, header, HANDBOOK), /"TX_FRAUD_SCENARIO" cannot be a feature: it is excluded/);
    assert.throws(() => compileColumnMapping({ ...mapping, features: ['TX_FRAUD'] }, header, HANDBOOK), /"TX_FRAUD" cannot be a feature: it is the label/);
  });

  it('names every missing column at once and lists the columns that exist', async () => {
    const mapping = await loadColumnMapping('handbook');
    const header = (await openCsv(HANDBOOK)).header;
    assert.throws(
      () => compileColumnMapping({ ...mapping, label: 'is_fraud', account: 'card', features: ['X*'] }, header, HANDBOOK),
      (error: unknown) => {
        assert.ok(error instanceof MappingError);
        assert.match(error.message, /no column "is_fraud" \(label\)/);
        assert.match(error.message, /no column "card" \(account\)/);
        assert.match(error.message, /feature pattern "X\*" matches no column/);
        assert.match(error.message, /its columns are: "TRANSACTION_ID", "TX_DATETIME", "CUSTOMER_ID"/);
        return true;
      },
    );
  });
});

describe('mapping the ULB credit card subsets', () => {
  for (const [name, file, firstTime] of [
    ['subset A (leading unnamed index column)', ULB_A, 73479],
    ['subset B', ULB_B, 138704],
  ] as const) {
    it(`reads ${name}: V1..V28 and Amount as features, Time as seconds from the origin, row positions as ids`, async () => {
      const { dataset, records } = await readRecords(file, await loadColumnMapping('ulb-creditcard'));
      assert.deepEqual(dataset.featureNames, V_FEATURES);
      assert.equal(records.length, 10);
      assert.deepEqual(records.map((r) => r.id), ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
      assert.deepEqual(records.map((r) => r.label), [0, 0, 0, 0, 0, 0, 0, 0, 1, 1]);
      const first = records[0];
      assert.equal(first?.timestampMs, ULB_ORIGIN + firstTime * 1000);
      assert.equal(first?.accountId, undefined);
      assert.equal(first?.merchantId, undefined);
      assert.equal(first?.amount, first?.features['Amount']);
      assert.equal(Object.keys(first?.features ?? {}).length, 29);
      assert.ok(Object.values(first?.features ?? {}).every(Number.isFinite));
    });
  }

  it('subset A: the unnamed first column is never a feature, even for a catch-all pattern', async () => {
    const mapping = await loadColumnMapping('ulb-creditcard');
    const csv = await openCsv(ULB_A);
    assert.equal(csv.header[0], '');
    // The fixture is the first 8 rows and the first 2 frauds (rows 1230 and 1231: frauds come last).
    const index = [];
    for await (const row of csv) index.push(row.fields[0]);
    assert.deepEqual(index, ['0', '1', '2', '3', '4', '5', '6', '7', '1230', '1231']);
    const all = compileColumnMapping({ ...mapping, features: ['*'] }, csv.header, ULB_A).featureNames;
    assert.deepEqual(all, V_FEATURES); // not "", Time or Class
  });
});

describe('bad values', () => {
  let dir: string;
  const mapping = parseColumnMapping(
    { label: 'fraud', id: 'id', time: { format: 'datetime', column: 'when' }, account: 'card', amount: 'amount', features: ['f1'] },
    'test',
  );
  const header = 'id,when,card,amount,f1,fraud';
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loupe-mapping-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: [string, string, RegExp][] = [
    ['label', '2,2018-04-01 00:00:00,c,1.5,0.1,yes', /:3: column "fraud" \(label\): "yes" is not 0 or 1/],
    ['time', '2,01/04/2018,c,1.5,0.1,0', /:3: column "when" \(time\): "01\/04\/2018" is not a date-time/],
    ['amount', '2,2018-04-01 00:00:00,c,12;50,0.1,0', /:3: column "amount" \(amount\): "12;50" is not a number/],
    ['feature', '2,2018-04-01 00:00:00,c,1.5,,0', /:3: column "f1" \(feature\): "" is not a finite number/],
    ['feature blank', '2,2018-04-01 00:00:00,c,1.5, ,0', /:3: column "f1" \(feature\): " " is not a finite number/],
    ['id', ',2018-04-01 00:00:00,c,1.5,0.1,0', /:3: column "id" \(id\): "" is not a non-empty id/],
  ];
  for (const [what, row, pattern] of cases) {
    it(`names the file, line and column of an unparseable ${what}`, async () => {
      const file = join(dir, `${what.replace(' ', '-')}.csv`);
      await writeFile(file, `${header}\n1,2018-04-01 00:00:00,c,1.5,0.1,1\n${row}\n`);
      await assert.rejects(readRecords(file, mapping), (error: unknown) => {
        assert.ok(error instanceof MappingError);
        assert.match(error.message, pattern);
        assert.ok(error.message.startsWith(file), error.message);
        assert.equal(error.line, 3);
        return true;
      });
    });
  }

  it('treats empty account, merchant and amount cells as absent, and true/false as labels', async () => {
    const file = join(dir, 'optional.csv');
    await writeFile(file, `${header}\n1,2018-04-01T10:00:00+02:00,,,0.5,true\n`);
    const { records } = await readRecords(file, mapping);
    assert.deepEqual(records, [
      { id: '1', timestampMs: Date.UTC(2018, 3, 1, 8), accountId: undefined, merchantId: undefined, amount: undefined, label: 1, features: { f1: 0.5 } },
    ]);
  });
});

describe('toTransaction', () => {
  const defaults = { currency: 'EUR', country: 'BE', channel: 'card_present' as const, merchantCategory: '5999' };

  it('makes a valid Loupe transaction from a handbook record', async () => {
    const { records } = await readRecords(HANDBOOK, await loadColumnMapping('handbook'));
    const transaction = toTransaction(records[0]!, { ...defaults, idPrefix: 'hb-' });
    assert.deepEqual(transaction, {
      id: 'hb-0',
      timestamp: '2018-04-01T00:00:31.000Z',
      accountId: 'hb-596',
      amount: 57.16,
      currency: 'EUR',
      merchantId: 'hb-3156',
      merchantCategory: '5999',
      country: 'BE',
      channel: 'card_present',
    });
  });

  it('gives a dataset without accounts one account per transaction and carries its features', async () => {
    const { records } = await readRecords(ULB_B, await loadColumnMapping('ulb-creditcard'));
    const transaction = toTransaction(records[8]!, defaults);
    assert.equal(transaction.id, '8');
    assert.equal(transaction.accountId, '8');
    assert.equal(transaction.merchantId, '8');
    assert.equal(transaction.timestamp, new Date(ULB_ORIGIN + 406_000).toISOString());
    assert.deepEqual(Object.keys(transaction.features ?? {}), V_FEATURES);
    assert.equal(transaction.amount, records[8]?.amount);
  });

  it('says what is wrong when the record and defaults do not make a valid transaction', () => {
    const record = { id: '1', timestampMs: 0, accountId: 'a', merchantId: 'm', amount: undefined, label: 0 as const, features: {} };
    assert.throws(() => toTransaction(record, defaults), /record 1: no amount, and no default amount/);
    assert.throws(() => toTransaction({ ...record, amount: 5 }, { ...defaults, country: 'Belgium' }), /record 1 is not a valid transaction: country: must be an ISO 3166-1/);
    assert.throws(() => toTransaction({ ...record, amount: -5 }, defaults), /amount: amount must not be negative/);
  });
});
