import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type pg from 'pg';
import { loadColumnMapping } from '../../services/datasets/column-mapping.ts';
import type { CompiledFeatureSpec } from '../../services/features/feature-spec.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { selectBackend } from '../../services/model/index.ts';
import { createLogger } from '../../services/platform/logger.ts';
import { createPool } from '../../services/platform/postgres.ts';
import { findChampion } from '../../services/registry/model-store.ts';
import { BOOTSTRAP_REASON, ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';

// Small enough to train in a couple of seconds; the default (20,000) is timed outside the suite.
const COUNT = 3000;
const logger = createLogger('silent');

describe('ensureChampion: bootstrap a first champion from simulated traffic', () => {
  let db: TestDatabase;
  let secondScorer: pg.Pool;
  let spec: CompiledFeatureSpec;
  before(async () => {
    await selectBackend('auto');
    db = await createTestDatabase();
    // Another "scorer" on its own pool: its connections race the first one's for the lock.
    secondScorer = createPool({ url: db.url, schema: db.schema, poolSize: 2 });
    spec = await loadFeatureSpec('card-default');
  });
  after(async () => {
    await secondScorer.end();
    await db.drop();
  });

  it('two scorers starting at once on an empty registry produce exactly one champion', async () => {
    const [a, b] = await Promise.all([
      ensureChampion(db.pool, spec, { actor: 'scorer-a', count: COUNT, simulatorSeed: 5, logger }),
      ensureChampion(secondScorer, spec, { actor: 'scorer-b', count: COUNT, simulatorSeed: 6, logger }),
    ]);
    assert.equal(a.id, b.id, 'both scorers use the same champion');
    const { rows } = await db.pool.query<{ id: string; status: string }>('SELECT id, status FROM model_versions');
    assert.deepEqual(rows, [{ id: a.id, status: 'champion' }], 'exactly one model row');

    assert.match(a.id, /^ae-card-default-\d{8}T\d{6}-[0-9a-f]{8}$/);
    assert.equal(a.featureSpecVersion, spec.version);
    assert.equal(a.reason, BOOTSTRAP_REASON);
    assert.ok(a.promotedBy === 'scorer-a' || a.promotedBy === 'scorer-b');
    assert.equal(a.parentId, null);
    assert.equal(a.training['source'] && (a.training['source'] as { kind: string }).kind, 'simulator');
    assert.ok(Number.isFinite(a.metrics['validationLoss']) && Number.isFinite(a.metrics['calibrationP99']));
    assert.ok(a.weights.length > 0);
    // Trained on legitimate simulated traffic only, ending about now.
    assert.ok(a.metrics['trainingRows']! <= COUNT && a.metrics['trainingRows']! > COUNT * 0.9);
    assert.ok(Math.abs(Date.parse(a.trainingTo!) - Date.now()) < 6 * 3_600_000, `training ends near now, got ${a.trainingTo}`);

    const audit = await db.pool.query<{ kind: string; subject: string }>(`SELECT kind, subject FROM audit_log WHERE kind LIKE 'model.%' ORDER BY id`);
    assert.deepEqual(audit.rows, [
      { kind: 'model.trained', subject: a.id },
      { kind: 'model.promoted', subject: a.id },
    ]);
  });

  it('returns the existing champion without training again', async () => {
    const champion = await findChampion(db.pool);
    const started = performance.now();
    const again = await ensureChampion(db.pool, spec, { actor: 'scorer-c', count: COUNT, logger });
    assert.equal(again.id, champion!.id);
    assert.ok(performance.now() - started < 1000, 'no training when a champion exists');
    const { rows } = await db.pool.query('SELECT count(*)::int AS n FROM model_versions');
    assert.equal(rows[0].n, 1);
  });

  it('refuses a champion trained for another feature spec, naming the spec it needs', async () => {
    const other = await loadFeatureSpec('handbook');
    await assert.rejects(
      ensureChampion(db.pool, other, { actor: 'scorer-d', count: COUNT, logger }),
      (error: Error) => error.message.includes(spec.version) && error.message.includes(other.version) && /needs feature spec/.test(error.message),
    );
  });
});

describe('ensureChampion: bootstrap from a given labelled file', () => {
  const ULB = '../shared/data/ulb-creditcard-subset-a.csv';
  let db: TestDatabase;
  before(async () => {
    await selectBackend('auto');
    db = await createTestDatabase();
  });
  after(() => db.drop());

  it('trains the first champion on the file, without its frauds, and says so', { skip: !existsSync(ULB) && `${ULB} is not present` }, async () => {
    const spec = await loadFeatureSpec('ulb-pca');
    const champion = await ensureChampion(db.pool, spec, { actor: 'scorer-a', logger, fromFile: { file: ULB, mapping: await loadColumnMapping('ulb-creditcard') } });
    assert.equal((await findChampion(db.pool))?.id, champion.id);
    assert.equal(champion.reason, `bootstrap: no champion; trained on ${ULB}`);
    assert.equal(champion.training.source && (champion.training.source as { kind: string }).kind, 'csv');
    assert.equal((champion.training.source as { excludedFraud: number }).excludedFraud, 492, 'every fraud of the file left out');
    assert.equal(champion.metrics.trainingRows, 1722 - 492);
  });
});
