import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { copyTextLine, numericArrayLiteral } from '../../services/platform/postgres-copy.ts';

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

  it('writes numeric arrays as array literals', () => {
    assert.equal(numericArrayLiteral([1, -2.5, 1e-7, Number.NaN]), '{1,-2.5,1e-7,NaN}');
    assert.equal(numericArrayLiteral([]), '{}');
  });
});
