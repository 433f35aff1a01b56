import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { CsvError, CsvParser, type CsvProgress, type CsvRow, isGzipFile, openCsv } from '../../services/datasets/csv.ts';

/** Parses `text` fed in pieces of `size` characters (Infinity = all at once). */
function parse(text: string, size = Number.POSITIVE_INFINITY): { header: readonly string[] | undefined; rows: CsvRow[] } {
  const parser = new CsvParser('mem.csv');
  const rows: CsvRow[] = [];
  const step = Number.isFinite(size) ? size : Math.max(text.length, 1);
  for (let at = 0; at < text.length; at += step) rows.push(...parser.push(text.slice(at, at + step)));
  rows.push(...parser.end());
  return { header: parser.header, rows };
}

const tricky =
  '\uFEFFid,text,n\r\n' +
  '1,"a, b",2\r\n' +
  '2,"she said ""hi""",3\r\n' +
  '3,"two\r\nlines",4\r\n' +
  '\r\n' +
  '4,,5\r\n' +
  '5,"",6\r\n' +
  '6,5" screen,7\r\n' +
  '7,"",""';

describe('CsvParser', () => {
  it('reads quoted delimiters, doubled quotes, line breaks in quotes, CRLF, empty fields and a missing last newline', () => {
    const { header, rows } = parse(tricky);
    assert.deepEqual(header, ['id', 'text', 'n']);
    assert.deepEqual(rows, [
      { line: 2, fields: ['1', 'a, b', '2'] },
      { line: 3, fields: ['2', 'she said "hi"', '3'] },
      { line: 4, fields: ['3', 'two\r\nlines', '4'] },
      // line 6 is blank and skipped
      { line: 7, fields: ['4', '', '5'] },
      { line: 8, fields: ['5', '', '6'] },
      { line: 9, fields: ['6', '5" screen', '7'] }, // a bare quote inside an unquoted field is literal
      { line: 10, fields: ['7', '', ''] },
    ]);
  });

  it('gives the same records whatever the chunk boundaries', () => {
    const whole = parse(tricky).rows;
    for (const size of [1, 2, 3, 5, 7, 11]) assert.deepEqual(parse(tricky, size).rows, whole, `chunks of ${size}`);
    const lf = 'a,b\n1,2\n"x\ny",3\n';
    for (const size of [1, 2, 4]) assert.deepEqual(parse(lf, size).rows, parse(lf).rows);
  });

  it('names the line of a record with the wrong number of fields, counting lines inside quotes', () => {
    assert.throws(
      () => parse('a,b,c\n1,2,3\n"multi\nline",2,3\n4,5\n'),
      (error: unknown) =>
        error instanceof CsvError &&
        error.code === 'field_count' &&
        error.line === 5 &&
        error.message === 'mem.csv:5: expected 3 fields as in the header, found 2',
    );
    assert.throws(() => parse('a,b\n1,2,3\n'), /mem\.csv:2: expected 2 fields as in the header, found 3/);
  });

  it('names the line where an unterminated quote opens', () => {
    assert.throws(
      () => parse('a,b\n1,2\n3,"never closed\n4,5\n6,7\n'),
      (error: unknown) => error instanceof CsvError && error.code === 'unterminated_quote' && error.line === 3,
    );
  });

  it('refuses text after a closing quote, and runaway records', () => {
    assert.throws(() => parse('a,b\n1,"x"y\n'), /mem\.csv:2: unexpected "y" after a closing quote in field 2/);
    const parser = new CsvParser('big.csv', { maxRecordLength: 100 });
    parser.push('a,b\n');
    assert.throws(() => parser.push(`1,"${'x'.repeat(200)}`), (error: unknown) => error instanceof CsvError && error.code === 'record_too_long' && error.line === 2);
  });

  it('refuses an empty file, and reads a header-only file as no records', () => {
    assert.throws(() => parse(''), (error: unknown) => error instanceof CsvError && error.code === 'empty_file');
    assert.throws(() => parse('\n\r\n'), (error: unknown) => error instanceof CsvError && error.code === 'empty_file');
    assert.deepEqual(parse('a,b\n'), { header: ['a', 'b'], rows: [] });
  });

  it('supports another delimiter', () => {
    const parser = new CsvParser('semi.csv', { delimiter: ';' });
    assert.deepEqual(parser.push('a;b\n"1;2";3\n'), [{ line: 2, fields: ['1;2', '3'] }]);
    assert.throws(() => new CsvParser('x', { delimiter: '"' }), /delimiter/);
  });
});

describe('openCsv', () => {
  let dir: string;
  // A file spanning several 1 MiB reads, with quotes and CRLF here and there.
  const rowCount = 60_000;
  const big = ['id,name,amount,note']
    .concat(Array.from({ length: rowCount }, (_, i) => (i % 97 === 0 ? `${i},"Name, ${i}",${i * 1.5},"said ""ok"""` : `${i},name-${i},${i * 1.5},plain`)))
    .join(rowCount % 2 === 0 ? '\r\n' : '\n');

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'loupe-csv-'));
    // Names lie on purpose: gzip is told apart by its magic bytes, not by the extension.
    await writeFile(join(dir, 'plain.csv.gz'), big);
    await writeFile(join(dir, 'zipped.csv'), gzipSync(big));
    await writeFile(join(dir, 'tricky.csv'), tricky);
    await writeFile(join(dir, 'bad-row.csv'), 'a,b\n1,2\n3,4\n5\n');
    await writeFile(join(dir, 'empty.csv'), '');
    await writeFile(join(dir, 'corrupt.gz'), Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from('not really gzip data')]));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const readAll = async (file: string, onProgress?: (p: CsvProgress) => void) => {
    const reader = await openCsv(file, { ...(onProgress ? { onProgress, progressEveryBytes: 64 * 1024 } : {}) });
    const rows: CsvRow[] = [];
    for await (const row of reader) rows.push(row);
    return { reader, rows };
  };

  it('detects gzip by magic bytes and gives identical records for plain and gzipped files', async () => {
    assert.equal(await isGzipFile(join(dir, 'zipped.csv')), true);
    assert.equal(await isGzipFile(join(dir, 'plain.csv.gz')), false);
    const plain = await readAll(join(dir, 'plain.csv.gz'));
    const zipped = await readAll(join(dir, 'zipped.csv'));
    assert.equal(plain.reader.compressed, false);
    assert.equal(zipped.reader.compressed, true);
    assert.deepEqual(zipped.reader.header, ['id', 'name', 'amount', 'note']);
    assert.equal(plain.rows.length, rowCount);
    assert.deepEqual(zipped.rows, plain.rows);
    assert.deepEqual(plain.rows[97], { line: 99, fields: ['97', 'Name, 97', '145.5', 'said "ok"'] });
    assert.deepEqual(plain.rows.at(-1), { line: rowCount + 1, fields: [`${rowCount - 1}`, `name-${rowCount - 1}`, `${(rowCount - 1) * 1.5}`, 'plain'] });
  });

  it('reports progress in file bytes, rising to exactly 1', async () => {
    for (const name of ['plain.csv.gz', 'zipped.csv']) {
      const seen: CsvProgress[] = [];
      await readAll(join(dir, name), (p) => seen.push(p));
      assert.ok(seen.length >= 2, `${name}: ${seen.length} progress calls`);
      for (let i = 1; i < seen.length; i++) assert.ok((seen[i]?.fraction ?? 0) >= (seen[i - 1]?.fraction ?? 1), `${name}: progress went back`);
      const last = seen.at(-1);
      assert.equal(last?.fraction, 1);
      assert.equal(last?.bytesRead, last?.totalBytes);
      assert.equal(last?.rows, rowCount);
    }
  });

  it('reads in batches or as objects keyed by the header', async () => {
    const reader = await openCsv(join(dir, 'tricky.csv'));
    const objects = [];
    for await (const { line, record } of reader.objects()) objects.push({ line, record });
    assert.equal(objects.length, 7);
    assert.deepEqual(objects[1], { line: 3, record: { id: '2', text: 'she said "hi"', n: '3' } });

    const batched = await openCsv(join(dir, 'plain.csv.gz'));
    let count = 0;
    for await (const batch of batched.batches()) count += batch.length;
    assert.equal(count, rowCount);
    await assert.rejects(async () => {
      for await (const _ of batched) break;
    }, /can be iterated only once/);
  });

  it('stops early without reading the rest', async () => {
    const reader = await openCsv(join(dir, 'zipped.csv'));
    let seen = 0;
    for await (const _ of reader) if (++seen === 10) break;
    assert.equal(seen, 10);
    await reader.close();
  });

  it('names the file and line of a malformed row', async () => {
    await assert.rejects(readAll(join(dir, 'bad-row.csv')), (error: unknown) => {
      assert.ok(error instanceof CsvError);
      assert.equal(error.line, 4);
      assert.equal(error.message, `${join(dir, 'bad-row.csv')}:4: expected 2 fields as in the header, found 1`);
      return true;
    });
  });

  it('names the file when it is missing, empty or not valid gzip', async () => {
    await assert.rejects(openCsv(join(dir, 'missing.csv')), (error: unknown) => error instanceof CsvError && error.code === 'read_failed' && error.message.includes('missing.csv'));
    await assert.rejects(openCsv(join(dir, 'empty.csv')), (error: unknown) => error instanceof CsvError && error.code === 'empty_file');
    await assert.rejects(openCsv(join(dir, 'corrupt.gz')), (error: unknown) => error instanceof CsvError && error.code === 'read_failed' && /corrupt\.gz: cannot read or decompress/.test(error.message));
  });
});
