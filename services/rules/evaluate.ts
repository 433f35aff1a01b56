import { Engine } from 'json-rules-engine';
import type { RuleHit } from '../domain/index.ts';
import type { TransactionFacts } from '../features/account-state.ts';
import type { Rule, RuleSet } from './load-rule-set.ts';

export type RuleEvaluator = (facts: TransactionFacts) => Promise<RuleHit[]>;

const toHit = (rule: Rule): RuleHit =>
  rule.event.type === 'signal'
    ? { rule: rule.name, type: 'signal', reason: rule.event.params.reason, weight: rule.event.params.weight }
    : { rule: rule.name, type: rule.event.type, reason: rule.event.params.reason };

/** Evaluates a rule set with json-rules-engine. Hits come back in rule-set order, whatever the engine's. */
export function createRuleEvaluator(ruleSet: Pick<RuleSet, 'rules'>): RuleEvaluator {
  const engine = new Engine(ruleSet.rules as never[], { allowUndefinedFacts: false });
  const byName = new Map(ruleSet.rules.map((rule, index) => [rule.name, { rule, index }]));
  return async (facts) => {
    const { results } = await engine.run(facts as unknown as Record<string, unknown>);
    return results
      .map((result) => byName.get(result.name as string))
      .filter((entry) => entry !== undefined)
      .sort((a, b) => a.index - b.index)
      .map((entry) => toHit(entry.rule));
  };
}
