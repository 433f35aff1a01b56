import type pg from 'pg';
import { withTransaction } from '../platform/postgres.ts';
import type { RuleSet } from './load-rule-set.ts';
import { appendAudit } from '../platform/audit-log.ts';

/**
 * Records a rule set as loaded by `actor`: the content under its hash (once, whoever loads it
 * first) and an audit entry for every activation, so "which rules were live when" can be answered.
 */
export async function recordRuleSetActivation(pool: pg.Pool, ruleSet: RuleSet, actor: string): Promise<void> {
  await withTransaction(pool, async (client) => {
    const inserted = await client.query(
      `INSERT INTO rule_sets (version, files, rules, first_loaded_by) VALUES ($1, $2, $3, $4)
       ON CONFLICT (version) DO NOTHING`,
      [
        ruleSet.version,
        JSON.stringify(ruleSet.files.map(({ file, sha256, description, author }) => ({ file, sha256, description, author }))),
        JSON.stringify(ruleSet.rules),
        actor,
      ],
    );
    await appendAudit(client, {
      actor,
      kind: 'rules.activated',
      subject: ruleSet.version,
      payload: { version: ruleSet.version, newVersion: inserted.rowCount === 1, ruleCount: ruleSet.rules.length },
    });
  });
}
