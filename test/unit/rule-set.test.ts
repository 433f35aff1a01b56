import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Transaction } from '../../services/domain/index.ts';
import { deriveFacts, emptyAccountState } from '../../services/features/account-state.ts';
import { createRuleEvaluator } from '../../services/rules/evaluate.ts';
import { buildRuleSet, loadRuleSet, RuleSetError } from '../../services/rules/load-rule-set.ts';

const rule = (name: string, overrides: Record<string, unknown> = {}) => ({
  name,
  conditions: { all: [{ fact: 'amount', operator: 'greaterThan', value: 100 }] },
  event: { type: 'signal', params: { reason: 'big', weight: 2 } },
  ...overrides,
});
const file = (name: string, rules: unknown[]) => ({ file: name, text: JSON.stringify({ rules }) });
const refusal = (files: Array<{ file: string; text: string }>): string[] => {
  try {
    buildRuleSet(files);
  } catch (error) {
    assert.ok(error instanceof RuleSetError);
    return error.problems;
  }
  assert.fail('expected the rule set to be refused');
};

describe('rule set loading', () => {
  it('loads the shipped rules, covering every event type', async () => {
    const ruleSet = await loadRuleSet('rules');
    assert.match(ruleSet.version, /^rules-[0-9a-f]{16}$/);
    const types = new Set(ruleSet.rules.map((r) => r.event.type));
    assert.deepEqual([...types].sort(), ['allow', 'block', 'review', 'signal']);
    for (const name of ['blocked-account', 'sanctioned-country', 'blocked-merchant', 'card-testing-burst', 'new-device-high-amount', 'risky-merchant-category', 'impossible-travel', 'amount-over-hard-limit']) {
      assert.ok(ruleSet.rules.some((r) => r.name === name), `missing default rule ${name}`);
    }
  });

  it('versions by content: same files same version, any change a new one', () => {
    const a = buildRuleSet([file('a.json', [rule('r1')])]);
    assert.equal(a.version, buildRuleSet([file('a.json', [rule('r1')])]).version);
    assert.notEqual(a.version, buildRuleSet([file('a.json', [rule('r1', { priority: 2 })])]).version);
  });

  it('names the file for broken JSON', () => {
    const [problem] = refusal([{ file: 'broken.json', text: '{"rules": [' }]);
    assert.match(problem!, /^broken\.json: not valid JSON/);
  });

  it('names file and rule for an unknown fact, operator, event type or missing reason', () => {
    const problems = refusal([
      file('bad.json', [
        rule('typo-fact', { conditions: { all: [{ fact: 'amout', operator: 'greaterThan', value: 1 }] } }),
        rule('bad-operator', { conditions: { any: [{ fact: 'amount', operator: 'biggerThan', value: 1 }] } }),
        rule('bad-event', { event: { type: 'explode', params: { reason: 'x' } } }),
        rule('no-reason', { event: { type: 'block', params: {} } }),
        rule('no-weight', { event: { type: 'signal', params: { reason: 'x' } } }),
      ]),
    ]);
    const joined = problems.join('\n');
    assert.match(joined, /bad\.json: rule "typo-fact": conditions\.all\[0\]\.fact: "amout" is not a known fact/);
    assert.match(joined, /bad\.json: rule "bad-operator": conditions\.any\[0\]\.operator: must be one of/);
    assert.match(joined, /bad\.json: rule "bad-event": event/);
    assert.match(joined, /bad\.json: rule "no-reason": event\.params\.reason/);
    assert.match(joined, /bad\.json: rule "no-weight": event\.params\.weight/);
  });

  it('refuses a condition without all/any/not at the top, duplicate names, and an empty set', () => {
    assert.match(refusal([file('a.json', [rule('r', { conditions: { fact: 'amount', operator: 'equal', value: 1 } })])])[0]!, /top level/);
    assert.match(refusal([file('a.json', [rule('same')]), file('b.json', [rule('same')])])[0]!, /b\.json: rule "same": name already used in a\.json/);
    assert.match(refusal([])[0]!, /no rule files/);
    assert.match(refusal([file('a.json', [])])[0]!, /at least one rule/);
  });
});

describe('rule evaluation', () => {
  const tx: Transaction = {
    id: 'tx-1', timestamp: '2026-03-01T10:00:00Z', accountId: 'acct-1', amount: 150, currency: 'EUR',
    merchantId: 'm', merchantCategory: '5411', country: 'FR', channel: 'ecommerce',
  };

  it('returns hits in rule-set order with reasons and weights', async () => {
    const ruleSet = buildRuleSet([
      file('a.json', [
        rule('second-by-priority', { priority: 1, event: { type: 'review', params: { reason: 'look' } } }),
        rule('first-by-priority', { priority: 10 }),
        rule('misses', { conditions: { all: [{ fact: 'country', operator: 'equal', value: 'DE' }] } }),
      ]),
    ]);
    const hits = await createRuleEvaluator(ruleSet)(deriveFacts(emptyAccountState(), tx));
    assert.deepEqual(hits, [
      { rule: 'second-by-priority', type: 'review', reason: 'look' },
      { rule: 'first-by-priority', type: 'signal', reason: 'big', weight: 2 },
    ]);
  });

  it('supports not/any nesting and comparing one fact with another', async () => {
    const ruleSet = buildRuleSet([
      file('a.json', [
        rule('nested', {
          conditions: {
            all: [
              { not: { fact: 'country', operator: 'in', value: ['DE', 'US'] } },
              { any: [{ fact: 'channel', operator: 'equal', value: 'atm' }, { fact: 'amount', operator: 'greaterThan', value: { fact: 'amountSum1h' } }, { fact: 'amount', operator: 'equal', value: { fact: 'amountSum1h' } }] },
            ],
          },
        }),
      ]),
    ]);
    const hits = await createRuleEvaluator(ruleSet)(deriveFacts(emptyAccountState(), tx));
    assert.deepEqual(hits.map((h) => h.rule), ['nested']);
  });
});
