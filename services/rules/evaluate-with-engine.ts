import { Engine } from 'json-rules-engine';
import type { RuleSet } from './load-rule-set.ts';
import type { RuleHit } from '../domain/index.ts';
import type { TransactionFacts } from '../features/account-state.ts';
import { toHit } from './rule-hit.ts';

/**
 * Evaluates a rule set with json-rules-engine itself. Not used on the scoring path (compile-rules.ts
 * gives the same results far faster): it is the reference the compiled evaluator is tested and
 * benchmarked against. Hits come back in rule-set order, whatever the engine's.
 *
 * The engine gets its own copy of the rules: its constructor rewrites each condition's `priority`
 * in place (parseInt). And it is replaced after a run that fails: that run's remaining priority
 * groups still finish in the background and then mark the shared engine FINISHED, which made the
 * next run on it skip whole groups of rules. Runs must not overlap for the same reason.
 */
export function createEngineRuleEvaluator(ruleSet: Pick<RuleSet, 'rules'>): (facts: TransactionFacts) => Promise<RuleHit[]> {
  const pristine = structuredClone(ruleSet.rules);
  const createEngine = () => new Engine(structuredClone(pristine) as never[], { allowUndefinedFacts: false });
  let engine = createEngine();
  const byName = new Map(ruleSet.rules.map((rule, index) => [rule.name, { rule, index }]));
  return async (facts) => {
    let results;
    try {
      ({ results } = await engine.run(facts as unknown as Record<string, unknown>));
    } catch (error) {
      engine = createEngine();
      throw error;
    }
    return results
      .map((result) => byName.get(result.name as string))
      .filter((entry) => entry !== undefined)
      .sort((a, b) => a.index - b.index)
      .map((entry) => toHit(entry.rule));
  };
}
