import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const LOUPE = fileURLToPath(new URL('../../bin/loupe', import.meta.url));
const run = promisify(execFile);

describe('loupe rules check', () => {
  it('passes the shipped rules and fails a rule the scorer would refuse to compile, naming it', async () => {
    const shipped = await run(LOUPE, ['rules', 'check']);
    assert.match(shipped.stdout, /^rules-[0-9a-f]+: \d+ rules in \d+ files/);

    const dir = await mkdtemp(join(tmpdir(), 'loupe-rules-'));
    try {
      // Valid json-rules-engine (a JSONPath into a fact), which the compiled evaluator does not support.
      const rule = {
        name: 'nested-amount',
        conditions: { all: [{ fact: 'amount', path: '$.value', operator: 'greaterThan', value: 100 }] },
        event: { type: 'signal', params: { reason: 'large', weight: 1 } },
      };
      await writeFile(join(dir, 'nested.json'), JSON.stringify({ rules: [rule] }));
      const refused = await run(LOUPE, ['rules', 'check', '--dir', dir]).then(
        () => null,
        (error: { code: number; stderr: string }) => error,
      );
      assert.ok(refused, 'the check fails');
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /nested-amount[\s\S]*JSONPath/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
