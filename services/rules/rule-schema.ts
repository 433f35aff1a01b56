import { z } from 'zod';
import { FACT_NAMES } from '../features/account-state.ts';

/** json-rules-engine's built-in operators; the only ones a Loupe rule may use. */
export const OPERATORS = [
  'equal', 'notEqual', 'lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive',
  'in', 'notIn', 'contains', 'doesNotContain',
] as const;
const OPERATOR_SET: ReadonlySet<string> = new Set(OPERATORS);

const Reason = z.string().min(1, 'a rule needs a human-readable reason').max(300);

export const RuleEventSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('signal'),
    params: z.strictObject({
      reason: Reason,
      /** Log-odds this evidence adds; negative weights lower the fraud probability. */
      weight: z.number().min(-20).max(20),
    }),
  }),
  z.strictObject({ type: z.enum(['block', 'allow', 'review']), params: z.strictObject({ reason: Reason }) }),
]);

/** One rule, in json-rules-engine's own JSON format, with Loupe's event contract on top. */
export const RuleSchema = z.strictObject({
  name: z.string().regex(/^[a-z0-9][a-z0-9._-]{0,79}$/, 'must be lowercase letters, digits, ".", "_" or "-"'),
  priority: z.number().int().min(1).optional(),
  conditions: z.record(z.string(), z.unknown()),
  event: RuleEventSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

export const RuleFileSchema = z.strictObject({
  description: z.string().optional(),
  /** Who wrote or owns the file; shown by the audit API with each rule set version. */
  author: z.string().min(1).max(128).optional(),
  rules: z.array(z.unknown()).min(1, 'a rule file must hold at least one rule'),
});

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks a condition tree and returns every problem with its path, e.g.
 * `conditions.all[1].fact: "txCnt10m" is not a known fact`. json-rules-engine itself only finds an
 * unknown fact or operator when a transaction happens to reach it, which is too late.
 */
export function conditionProblems(node: unknown, path: string, topLevel = true): string[] {
  if (!isPlainObject(node)) return [`${path}: must be an object`];
  const boolKeys = (['all', 'any', 'not'] as const).filter((key) => key in node);
  if (boolKeys.length > 1) return [`${path}: use only one of all / any / not`];
  const [boolKey] = boolKeys;
  if (boolKey === 'not') return conditionProblems(node.not, `${path}.not`, false);
  if (boolKey !== undefined) {
    const children = node[boolKey];
    if (!Array.isArray(children) || children.length === 0) return [`${path}.${boolKey}: must be a non-empty array`];
    return children.flatMap((child, i) => conditionProblems(child, `${path}.${boolKey}[${i}]`, false));
  }
  if (topLevel) return [`${path}: the top level must be "all", "any" or "not"`];

  const problems: string[] = [];
  const allowed = new Set(['fact', 'operator', 'value', 'path', 'params', 'name', 'priority']);
  for (const key of Object.keys(node)) if (!allowed.has(key)) problems.push(`${path}.${key}: unknown key`);
  if (typeof node.fact !== 'string') problems.push(`${path}.fact: must be a fact name`);
  else if (!FACT_NAMES.has(node.fact)) problems.push(`${path}.fact: "${node.fact}" is not a known fact`);
  if (typeof node.operator !== 'string' || !OPERATOR_SET.has(node.operator)) {
    problems.push(`${path}.operator: must be one of ${OPERATORS.join(', ')}`);
  }
  if (!('value' in node)) problems.push(`${path}.value: is required`);
  else if (isPlainObject(node.value)) {
    const ref = node.value.fact;
    if (typeof ref !== 'string' || !FACT_NAMES.has(ref)) problems.push(`${path}.value.fact: must name a known fact`);
  }
  return problems;
}
