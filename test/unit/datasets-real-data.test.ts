import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { compileColumnMapping, loadColumnMapping } from '../../services/datasets/column-mapping.ts';
import { type CsvProgress, openCsv } from '../../services/datasets/csv.ts';
import { openLabelledDataset } from '../../services/datasets/labelled-dataset.ts';
import { utcDayIndex } from '../../services/evaluation/metrics.ts';

/**
 * The real labelled data lives outside the repository, in ../shared/data (see its README). Each
 * test is skipped, saying which file is missing, when it is not there.
 */
const DATA = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'shared', 'data');
const file = (name: string) => join(DATA, name);
const skipUnless = (name: string) => (existsSync(file(name)) ? false : `${file(name)} is absent; see ../shared/data/README.md`);

const HANDBOOK = 'handbook-2018-04-to-07.csv.gz';
const ULB_A = 'ulb-creditcard-subset-a.csv';
const ULB_B = 'ulb-creditcard-subset-b.csv';

describe('real datasets in ../shared/data', () => {
  for (const [name, rows] of [
    [ULB_A, 1_722],
    [ULB_B, 3_335],
  ] as const) {
    it(`${name} parses fully: ${rows} rows, 492 frauds, 29 features, within two days`, { skip: skipUnless(name) }, async () => {
      const dataset = await openLabelledDataset(file(name), await loadColumnMapping('ulb-creditcard'));
      assert.equal(dataset.compressed, false);
      assert.equal(dataset.featureNames.length, 29);
      let count = 0;
      let frauds = 0;
      let maxOffsetMs = 0;
      const origin = Date.UTC(2013, 8, 1);
      for await (const record of dataset.records()) {
        assert.equal(record.id, String(count));
        assert.equal(Object.keys(record.features).length, 29);
        maxOffsetMs = Math.max(maxOffsetMs, record.timestampMs - origin);
        assert.ok(record.timestampMs >= origin);
        count++;
        frauds += record.label;
      }
      assert.equal(count, rows);
      assert.equal(frauds, 492);
      assert.ok(maxOffsetMs < 2 * 86_400_000, `latest Time is ${maxOffsetMs / 1000} s`);
    });
  }

  it(`${HANDBOOK} streams fully: 1,169,723 rows, 9,465 frauds, unique ids, in time order, 122 UTC days`, { skip: skipUnless(HANDBOOK), timeout: 60_000 }, async (t) => {
    const started = performance.now();
    const progress: CsvProgress[] = [];
    const csv = await openCsv(file(HANDBOOK), { onProgress: (p) => progress.push(p) });
    assert.equal(csv.compressed, true);
    const mapper = compileColumnMapping(await loadColumnMapping('handbook'), csv.header, file(HANDBOOK));
    const secondsColumn = csv.header.indexOf('TX_TIME_SECONDS');
    const start = Date.UTC(2018, 3, 1);

    const seenIds = new Uint8Array(1_169_723);
    let count = 0;
    let frauds = 0;
    let previousMs = -Infinity;
    const badIds: string[] = [];
    let outOfOrder = 0;
    let timeMismatches = 0;
    const days = new Set<number>();
    for await (const batch of csv.batches()) {
      for (const row of batch) {
        const record = mapper.toRecord(row.fields, row.line, count);
        count++;
        frauds += record.label;
        const id = Number(record.id);
        if (Number.isInteger(id) && id >= 0 && id < seenIds.length && seenIds[id] === 0) seenIds[id] = 1;
        else badIds.push(`line ${row.line}: ${record.id}`);
        if (record.timestampMs < previousMs) outOfOrder++;
        previousMs = record.timestampMs;
        if (record.timestampMs - start !== Number(row.fields[secondsColumn]) * 1000) timeMismatches++;
        days.add(utcDayIndex(record.timestampMs));
      }
    }
    const seconds = (performance.now() - started) / 1000;
    t.diagnostic(`streamed and mapped ${count} rows in ${seconds.toFixed(2)} s (${Math.round(count / seconds)} rows/s)`);

    assert.equal(count, 1_169_723);
    assert.equal(frauds, 9_465);
    assert.deepEqual(badIds.slice(0, 5), [], 'ids repeated or not in 0 … n − 1');
    assert.equal(outOfOrder, 0);
    assert.equal(timeMismatches, 0);
    assert.equal(days.size, 122);
    assert.equal(Math.min(...days), utcDayIndex(start));
    assert.equal(progress.at(-1)?.fraction, 1);
    assert.equal(progress.at(-1)?.rows, 1_169_723);
    assert.ok(seconds < 20, `took ${seconds.toFixed(1)} s`);
  });
});
