import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { withTransaction } from '../../services/platform/postgres.ts';
import { findChampion, findModel, insertModel, promoteModel, type StoredModel } from '../../services/registry/model-store.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

const model = (id: string, parentId: string | null): Omit<StoredModel, 'status' | 'promotedBy' | 'promotedAt'> => ({
  id,
  parentId,
  head: null,
  gatedHead: null,
  featureSpec: { name: 'tiny', features: [{ kind: 'log-amount' }] },
  featureSpecVersion: 'tiny-000000000000',
  manifest: { inputSize: 1 },
  normalisation: { mean: [0], std: [1] },
  weights: Buffer.from(new Float32Array([1.5, -2, 0.25]).buffer),
  calibration: { alpha: 0.01 },
  metrics: { validationLoss: 0.1 },
  training: { rows: 10 },
  trainingFrom: '2026-01-01T00:00:00.000Z',
  trainingTo: '2026-01-08T00:00:00.000Z',
  reason: null,
});

describe('model registry in Postgres', () => {
  let db: TestDatabase;
  before(async () => {
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('stores weights byte for byte and keeps exactly one champion, auditing each promotion', async () => {
    await insertModel(db.pool, model('m1', null));
    await insertModel(db.pool, model('m2', 'm1'));
    assert.equal(await findChampion(db.pool), null);
    const stored = await findModel(db.pool, 'm2');
    assert.deepEqual(new Float32Array(stored!.weights.buffer, stored!.weights.byteOffset, 3), new Float32Array([1.5, -2, 0.25]));
    assert.equal(stored!.parentId, 'm1');

    await withTransaction(db.pool, (client) => promoteModel(client, 'm1', 'test', 'first model'));
    await withTransaction(db.pool, (client) => promoteModel(client, 'm2', 'trainer', 'better average precision'));
    const champion = await findChampion(db.pool);
    assert.equal(champion?.id, 'm2');
    assert.equal(champion?.promotedBy, 'trainer');
    assert.equal((await findModel(db.pool, 'm1'))?.status, 'retired');

    await assert.rejects(withTransaction(db.pool, (client) => promoteModel(client, 'nope', 'test', 'x')), /does not exist/);
    assert.equal((await findChampion(db.pool))?.id, 'm2', 'a failed promotion changes nothing');

    const { rows } = await db.pool.query(`SELECT subject, payload FROM audit_log WHERE kind = 'model.promoted' ORDER BY id`);
    assert.deepEqual(rows.map((row) => [row.subject, row.payload.previousChampion]), [['m1', null], ['m2', 'm1']]);
  });
});
