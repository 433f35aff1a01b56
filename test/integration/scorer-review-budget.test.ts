import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { testLogger } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { produceTransactions } from '../helpers/transactions.ts';

const HOURS = 12;
const PER_HOUR = 300;
const CAPACITY = 8; // about half of what the default threshold (0.6) would send to review here

describe('review budget in the scorer', () => {
  let fixture: PipelineFixture;
  before(async () => {
    fixture = await setUpPipeline({ LOUPE_REVIEW_CAPACITY_PER_HOUR: String(CAPACITY), LOUPE_THRESHOLD_MIN: '0.05', LOUPE_APPROVE_CEILING: '0.25' });
    await selectBackend('auto');
  });
  after(() => fixture.teardown());

  it('holds reviews near the analysts’ capacity and never auto-approves above the ceiling', async (t) => {
    const { db, config, producer } = fixture;
    const spec = await loadFeatureSpec('card-default');
    // Fixed times: the same model and traffic on every run. The model was trained on traffic ending at
    // the time of the run, and judged the same traffic differently by the hour (73–147 threshold
    // reviews); this training end puts some confident approvals above the ceiling, so both are tested.
    const startMs = Date.parse('2026-01-05T00:00:00Z');
    const champion = await ensureChampion(db.pool, spec, { actor: 'test', count: 3000, simulatedEndMs: startMs - 18 * 3_600_000, logger: testLogger });
    const simulator = createSimulator({ seed: 21, accounts: 400, merchants: 100, startMs, ratePerSecond: PER_HOUR / 3600, fraudRate: 0.002 });
    const stream = simulator.take(HOURS * PER_HOUR).map((s) => s.transaction);
    await produceTransactions(producer, config.topics.transactions, stream);
    await fixture.scoreAll({ model: loadAnomalyModel(champion), backend: 'test', batchSize: 50 });

    const perHour = await db.pool.query<{ hour: number; reviews: number; total: number }>(
      `WITH d AS (SELECT action, floor(extract(epoch FROM event_time - (SELECT min(event_time) FROM decisions)) / 3600)::int AS hour FROM decisions)
       SELECT hour, count(*) FILTER (WHERE action = 'review')::int AS reviews, count(*)::int AS total FROM d GROUP BY hour ORDER BY hour`,
    );
    t.diagnostic(`reviews per hour: ${perHour.rows.map((r) => r.reviews).join(', ')}`);
    const why = await db.pool.query<{ decided_by: string; n: number }>(`SELECT decided_by, count(*)::int AS n FROM decisions WHERE action = 'review' GROUP BY 1`);
    t.diagnostic(`reviews by cause: ${JSON.stringify(why.rows)}`);
    // After the first hour (the controller needs traffic to learn from), the reviews the threshold
    // decides stay within about the capacity. Reviews forced by a rule or the approve ceiling are
    // never avoided: they use up capacity first, and may exceed it on their own.
    const settled = await db.pool.query<{ threshold: number; forced: number }>(
      `WITH d AS (SELECT action, decided_by, event_time - (SELECT min(event_time) FROM decisions) AS age FROM decisions)
       SELECT count(*) FILTER (WHERE action = 'review' AND decided_by = 'threshold')::int AS threshold,
              count(*) FILTER (WHERE action = 'review' AND decided_by <> 'threshold')::int AS forced
         FROM d WHERE age >= interval '1 hour' AND age < make_interval(hours => $1)`,
      [HOURS],
    );
    const { threshold, forced } = settled.rows[0]!;
    const hours = HOURS - 1;
    t.diagnostic(`after the first hour: ${threshold} threshold reviews (at most ${1.6 * CAPACITY * hours}), ${forced} forced`);
    assert.ok(threshold <= 1.6 * CAPACITY * hours, `${threshold} threshold reviews in ${hours} hours, capacity ${CAPACITY}/h`);
    assert.ok(threshold + forced >= 0.5 * CAPACITY * hours, `${threshold + forced} reviews in ${hours} hours: the capacity is used`);

    const tooRisky = await db.pool.query(`SELECT 1 FROM decisions WHERE action = 'approve' AND probability >= 0.25`);
    assert.equal(tooRisky.rowCount, 0, 'nothing at or above the ceiling was approved');
    assert.ok(why.rows.some((row) => row.decided_by === 'approve_ceiling' && row.n > 0), 'the ceiling held back approvals the threshold would have made');
    const versions = await db.pool.query<{ version: string; threshold: number }>(
      `SELECT p.version, (p.params->>'confidenceThreshold')::float8 AS threshold FROM policy_versions p
        WHERE EXISTS (SELECT 1 FROM decisions d WHERE d.policy_version = p.version)`,
    );
    assert.ok(versions.rows.length >= 2, 'decisions name the policy version, threshold included, that made them');
    assert.ok(versions.rows.some((row) => row.threshold < 0.6), 'the threshold moved down from 0.6 to fit the smaller budget');
  });
});
