import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { findChampion, findModel } from '../../services/registry/model-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const LOUPE = fileURLToPath(new URL('../../bin/loupe', import.meta.url));
const ULB = fileURLToPath(new URL('../../../shared/data/ulb-creditcard-subset-a.csv', import.meta.url));
const run = promisify(execFile);
const skip = existsSync(ULB) ? false : `${ULB} is absent (real ULB subset; see ../shared/data/README.md)`;

interface Failure {
  code: number;
  stdout: string;
  stderr: string;
}

describe('loupe train and loupe models on the real ULB subset', { skip }, () => {
  let db: TestDatabase;
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const loupe = (...args: string[]) => run(LOUPE, args, { env, maxBuffer: 16 * 1024 * 1024 });
  const train = (...extra: string[]) => loupe('train', ULB, '--mapping', 'ulb-creditcard', '--spec', 'ulb-pca', ...extra);
  const modelId = (stdout: string, status: string) => {
    const id = new RegExp(`^(ae-ulb-pca-\\d{8}T\\d{6}-[0-9a-f]{8})\\s+${status}\\s`, 'm').exec(stdout)?.[1];
    assert.ok(id, `no ${status} model id in:\n${stdout}`);
    return id;
  };

  before(async () => {
    db = await createTestDatabase();
    dir = await mkdtemp(join(tmpdir(), 'loupe-train-'));
    env = { ...process.env, DATABASE_URL: db.url, DATABASE_SCHEMA: db.schema, LOG_LEVEL: 'info' };
  });
  after(async () => {
    await db.drop();
    await rm(dir, { recursive: true, force: true });
  });

  let first: string;

  it('train --promote reports progress and the loss curve, and makes the new version champion', async () => {
    const curve = join(dir, 'curve.json');
    const { stdout } = await train('--promote', '--epochs', '3', '--out', curve);
    const logs = stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string; percent?: number; epoch?: number; loss?: number; valLoss?: number });
    assert.ok(logs.some((log) => log.msg === 'reading' && log.percent === 100), 'reading progress up to 100%');
    assert.deepEqual(logs.filter((log) => log.msg === 'epoch').map((log) => log.epoch), [1, 2, 3]);
    assert.ok(logs.filter((log) => log.msg === 'epoch').every((log) => Number.isFinite(log.loss) && Number.isFinite(log.valLoss)));
    assert.match(stdout, /^\s*epoch\s+loss\s+val loss/m, 'the loss curve table');
    first = modelId(stdout, 'champion');

    const champion = await findChampion(db.pool);
    assert.equal(champion?.id, first);
    assert.equal(champion?.parentId, null);
    assert.equal(champion?.metrics['trainingRows'], 1722);
    assert.equal((champion?.training['source'] as { kind: string }).kind, 'csv');
    assert.equal(champion?.trainingFrom, '2013-09-01T00:00:36.000Z', 'without --from, the data range is recorded');

    const audit = await db.pool.query<{ kind: string }>(`SELECT kind FROM audit_log WHERE subject = $1 ORDER BY id`, [first]);
    assert.deepEqual(audit.rows.map((row) => row.kind), ['model.trained', 'model.promoted']);

    const written = JSON.parse(await readFile(curve, 'utf8'));
    assert.equal(written.id, first);
    assert.equal(written.status, 'champion');
    assert.equal(written.epochs.length, 3);
  });

  it('rollback fails clearly while no champion has been retired', async () => {
    await assert.rejects(loupe('models', 'rollback'), (error: Failure) => {
      assert.equal(error.code, 1);
      assert.match(error.stderr, /no previous champion to roll back to/);
      assert.doesNotMatch(error.stderr, /\n\s+at /, 'no stack trace');
      return true;
    });
    assert.equal((await findChampion(db.pool))?.id, first);
  });

  it('a candidate can be promoted, listed and rolled back', async () => {
    const { stdout } = await train('--epochs', '1', '--seed', '2', '--from', '2013-09-02');
    const second = modelId(stdout, 'candidate');
    const candidate = await findModel(db.pool, second);
    assert.equal(candidate?.status, 'candidate');
    assert.equal(candidate?.parentId, first, 'the parent is the champion when it was stored');
    assert.equal(candidate?.trainingFrom, '2013-09-02T00:00:00.000Z');

    await loupe('models', 'promote', second, '--reason', 'fresher data', '--actor', 'ana');
    const promoted = await findChampion(db.pool);
    assert.equal(promoted?.id, second);
    assert.equal(promoted?.reason, 'fresher data');
    assert.equal(promoted?.promotedBy, 'ana');

    const list = (await loupe('models', 'list')).stdout;
    assert.match(list, new RegExp(`^${second}\\s+champion\\s+ulb-pca-[0-9a-f]{12}\\s+.*rows=\\d+ loss=[\\d.]+ val=[\\d.]+ p99=[\\d.]+\\s+${first}$`, 'm'));
    assert.match(list, new RegExp(`^${first}\\s+retired\\s`, 'm'));

    await loupe('models', 'rollback');
    const restored = await findChampion(db.pool);
    assert.equal(restored?.id, first);
    assert.equal(restored?.reason, 'rollback');
    assert.equal((await findModel(db.pool, second))?.status, 'retired');
  });
});
