import type { RuleHit } from '../domain/index.ts';
import type { Rule } from './rule-schema.ts';

/** The hit a rule reports when its conditions pass: what the policy and the decision record read. */
export const toHit = (rule: Rule): RuleHit =>
  rule.event.type === 'signal'
    ? { rule: rule.name, type: 'signal', reason: rule.event.params.reason, weight: rule.event.params.weight }
    : { rule: rule.name, type: rule.event.type, reason: rule.event.params.reason };
