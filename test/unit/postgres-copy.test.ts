import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyTextLine, realArrayLiteral } from '../../services/platform/postgres-copy.ts';

describe('COPY text format', () => {
  it('separates fields with tabs, ends rows with a newline and writes NULL as \\N', () => {
    assert.equal(copyTextLine(['a', 1.5, null, '']), 'a\t1.5\t\\N\t\n');
  });

  it('escapes its own delimiters and backslashes, so no field can split a row or read as NULL', () => {
    assert.equal(copyTextLine(['tab\there', 'line\nbreak', 'cr\rhere', '\\N', 'a\\b']), 'tab\\there\tline\\nbreak\tcr\\rhere\t\\\\N\ta\\\\b\n');
  });

  it('passes quotes, commas and non-ASCII through unchanged', () => {
    assert.equal(copyTextLine(['"q", café 😀']), '"q", café 😀\n');
  });

  it('writes non-finite numbers the way Postgres floats read them', () => {
    assert.equal(copyTextLine([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]), 'NaN\tInfinity\t-Infinity\n');
  });

  it('writes float32 values as a real[] literal that reads back to the same float32s', () => {
    const values = Array.from(new Float32Array([0.1, -2.5, 1e-7, 3.4028234663852886e38, 1.17549435e-38, 0, 123456.789]));
    const literal = realArrayLiteral(values);
    assert.match(literal, /^\{[^{}]+\}$/);
    const readBack = new Float32Array(literal.slice(1, -1).split(',').map(Number));
    assert.deepEqual(Array.from(readBack), values);
    assert.equal(realArrayLiteral([Number.NaN, Number.POSITIVE_INFINITY]), '{NaN,Infinity}');
    assert.equal(realArrayLiteral([]), '{}');
  });

  it('writes the whole numbers of a one-hot vector as integers', () => {
    assert.equal(realArrayLiteral([0, 1, 0, -3, Math.fround(0.5)]), '{0,1,0,-3,0.500000000}');
  });
});
