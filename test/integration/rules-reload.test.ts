import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Kafka, Producer } from 'kafkajs';
import type { Config } from '../../services/platform/config.ts';
import type { Scorer } from '../../services/scorer/scorer.ts';
import { type PipelineFixture, setUpPipeline, testScorer } from '../helpers/pipeline.ts';
import type { TestDatabase } from '../helpers/postgres.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';
import { waitFor } from '../helpers/wait-for.ts';

const blockNewZealand = {
  description: 'test rule added while the scorer runs',
  rules: [
    {
      name: 'block-new-zealand',
      conditions: { all: [{ fact: 'country', operator: 'equal', value: 'NZ' }] },
      event: { type: 'block', params: { reason: 'no trade with NZ in this test' } },
    },
  ],
};

describe('rule files changed while the scorer runs', () => {
  let fixture: PipelineFixture;
  let db: TestDatabase;
  let config: Config;
  let kafka: Kafka;
  let producer: Producer;
  let rulesDir: string;
  let scorer: Scorer;

  before(async () => {
    rulesDir = await mkdtemp(join(tmpdir(), 'loupe-rules-'));
    await cp('rules', rulesDir, { recursive: true });
    fixture = await setUpPipeline({ LOUPE_RULES_DIR: rulesDir });
    ({ db, config, kafka, producer } = fixture);
    scorer = testScorer(config, kafka, db.pool);
    await scorer.start();
  });

  after(async () => {
    await scorer.stop();
    await fixture.teardown();
    await rm(rulesDir, { recursive: true, force: true });
  });

  const decisionFor = (transactionId: string) =>
    waitFor(`the decision for ${transactionId}`, async () => {
      const { rows } = await db.pool.query('SELECT action, rules_version, rule_hits FROM decisions WHERE transaction_id = $1', [transactionId]);
      return rows[0] as { action: string; rules_version: string; rule_hits: Array<{ rule: string }> } | undefined;
    });

  it('applies a new rule file without a restart, and refuses a broken one while the last good set keeps serving', async () => {
    const original = scorer.status().rulesVersion!;
    await produceTransactions(producer, config.topics.transactions, [ordinaryTransaction(1, { id: 'before', country: 'NZ' })]);
    const before = await decisionFor('before');
    assert.equal(before.action, 'approve');
    assert.equal(before.rules_version, original);

    const activated = new Promise<{ version: string }>((resolve) => scorer.events.once('rules.activated', resolve));
    await writeFile(join(rulesDir, 'zz-test.json'), JSON.stringify(blockNewZealand));
    const { version: updated } = await activated;
    assert.notEqual(updated, original);

    await produceTransactions(producer, config.topics.transactions, [ordinaryTransaction(2, { id: 'after', country: 'NZ' })]);
    const after = await decisionFor('after');
    assert.equal(after.action, 'decline');
    assert.equal(after.rules_version, updated);
    assert.ok(after.rule_hits.some((hit) => hit.rule === 'block-new-zealand'));

    const refused = new Promise<{ error: Error }>((resolve) => scorer.events.once('rules.refused', resolve));
    await writeFile(join(rulesDir, 'zz-broken.json'), JSON.stringify({ rules: [{ ...blockNewZealand.rules[0], name: 'broken', conditions: { all: [{ fact: 'nope', operator: 'equal', value: 1 }] } }] }));
    const { error } = await refused;
    assert.match(error.message, /zz-broken\.json: rule "broken": conditions\.all\[0\]\.fact: "nope" is not a known fact/);
    assert.equal(scorer.status().rulesVersion, updated);

    await produceTransactions(producer, config.topics.transactions, [ordinaryTransaction(3, { id: 'while-broken', country: 'NZ' })]);
    const whileBroken = await decisionFor('while-broken');
    assert.equal(whileBroken.action, 'decline');
    assert.equal(whileBroken.rules_version, updated);

    const { rows: versions } = await db.pool.query('SELECT version FROM rule_sets');
    assert.deepEqual(new Set(versions.map((row) => row.version)), new Set([original, updated]));
    const { rows: audit } = await db.pool.query(`SELECT subject FROM audit_log WHERE kind = 'rules.activated' ORDER BY id`);
    assert.deepEqual(audit.map((row) => row.subject), [original, updated]);
  });
});
