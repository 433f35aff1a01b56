import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { announceChampion } from '../../services/registry/announce-champion.ts';
import { findChampion, insertModel, promoteModel } from '../../services/registry/model-store.ts';
import { createChampionWatcher } from '../../services/scorer/champion-watcher.ts';
import type { Scorer } from '../../services/scorer/scorer.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { assertExactlyOnce } from '../helpers/exactly-once.ts';
import { testLogger, waitForGroupCaughtUp } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline, testScorer } from '../helpers/pipeline.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

describe('model hot swap through model-updates', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline();
    await selectBackend('auto');
  });
  after(() => fixture.teardown());

  it('two scorers switch to a promoted model mid-stream, losing and duplicating nothing', async () => {
    const { db, config, kafka, producer } = fixture;
    const spec = await loadFeatureSpec('card-default');
    const v1 = await ensureChampion(db.pool, spec, { actor: 'test', count: 2000, logger: testLogger });

    const scorers: Scorer[] = [];
    const watchers = ['a', 'b'].map((name) => {
      const scorerConfig = { ...config, scorer: { ...config.scorer, instanceId: `${config.scorer.instanceId}-${name}` } };
      const scorer = testScorer(scorerConfig, kafka, db.pool, { model: loadAnomalyModel(v1), batchSize: 100 });
      scorers.push(scorer);
      // Only the announcement can trigger the swap in this test: the poll is an hour away.
      return createChampionWatcher({ kafka, pool: db.pool, logger: testLogger, config: scorerConfig, scorer, featureSpecVersion: spec.version, pollSeconds: 3600 });
    });
    const before = Array.from({ length: 2000 }, (_, i) => ordinaryTransaction(i));
    const afterSwap = Array.from({ length: 1000 }, (_, i) => ordinaryTransaction(10_000 + i));
    try {
      await Promise.all(scorers.map((scorer) => scorer.start()));
      await Promise.all(watchers.map((watcher) => watcher.start()));
      await produceTransactions(producer, config.topics.transactions, before);
      const decided = async () => (await db.pool.query('SELECT count(*)::int AS n FROM decisions')).rows[0].n as number;
      await waitFor('some decisions by the first model', async () => (await decided()) >= 200, 60_000, 5);

      // A second version (the same weights under a new id is enough to see who decided what).
      const v2Id = `${v1.id}-v2`;
      await withTransaction(db.pool, async (client) => {
        await insertModel(client, { ...v1, id: v2Id, parentId: v1.id, reason: null });
        await promoteModel(client, v2Id, 'test', 'hot swap test');
      });
      assert.equal((await announceChampion(db.pool, producer, config.topics['model-updates']))?.id, v2Id);
      await waitFor('both scorers on the new champion', async () => scorers.every((s) => s.status().modelVersion === v2Id), 60_000, 20);

      await produceTransactions(producer, config.topics.transactions, afterSwap);
      await waitForGroupCaughtUp(kafka, config.scorer.groupId, config.topics.transactions);
    } finally {
      await Promise.all(watchers.map((watcher) => watcher.stop()));
      await Promise.all(scorers.map((scorer) => scorer.stop()));
    }

    await assertExactlyOnce(db, kafka, config, before.length + afterSwap.length);
    const { rows } = await db.pool.query<{ transaction_id: string; model_version: string; source_partition: number; source_offset: string }>(
      'SELECT transaction_id, model_version, source_partition, source_offset FROM decisions ORDER BY source_partition, source_offset::bigint',
    );
    const v2Id = (await findChampion(db.pool))!.id;
    const afterIds = new Set(afterSwap.map((tx) => tx.id));
    assert.ok(rows.filter((row) => afterIds.has(row.transaction_id)).every((row) => row.model_version === v2Id), 'everything produced after the swap is decided by the new model');
    assert.ok(rows.some((row) => row.model_version === v1.id), 'the first model decided some');
    for (let i = 1; i < rows.length; i++) {
      const [prev, row] = [rows[i - 1]!, rows[i]!];
      if (prev.source_partition === row.source_partition && prev.model_version === v2Id) {
        assert.equal(row.model_version, v2Id, `partition ${row.source_partition} went back to the old model at offset ${row.source_offset}`);
      }
    }
    const audit = await db.pool.query<{ actor: string }>(`SELECT actor FROM audit_log WHERE kind = 'model.activated' AND subject = $1 ORDER BY actor`, [v2Id]);
    assert.deepEqual(audit.rows.map((row) => row.actor), [`${config.scorer.instanceId}-a`, `${config.scorer.instanceId}-b`], 'each scorer records the swap');
  });
});
