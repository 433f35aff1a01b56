import type { RuleHit } from '../domain/index.ts';
import type { TransactionFacts } from '../features/account-state.ts';
import { type FactSlots, literalLeaf, type OperatorName, REFERENCE_OPERATORS, referenceLeaf, type Test } from './condition-operators.ts';
import { factReader } from './fact-readers.ts';
import { RuleSetError, type RuleSet } from './load-rule-set.ts';
import { OPERATORS, type Rule } from './rule-schema.ts';
import { toHit } from './rule-hit.ts';

/** Evaluates a rule set synchronously; hits in rule-set order. Throws where json-rules-engine rejects. */
export type RuleEvaluator = (facts: TransactionFacts) => RuleHit[];

/** json-rules-engine's error for a fact the facts object does not have (allowUndefinedFacts: false). */
export class UndefinedFactError extends Error {
  override name = 'UndefinedFactError';
  readonly code = 'UNDEFINED_FACT';
  constructor(fact: unknown) {
    super(`Undefined fact: ${String(fact)}`);
  }
}

/**
 * A condition compiled twice. `fast` runs when every fact the rule set reads is present: it
 * short-circuits all/any, except within a priority group holding a condition that may still throw.
 * `strict` runs otherwise and evaluates exactly what json-rules-engine evaluates (every condition
 * of a priority group, groups in order until the result is known), so that it throws
 * UndefinedFactError for the same facts objects the engine does, and never for others.
 */
interface CompiledCondition {
  fast: Test;
  strict: Test;
  /** Whether `fast` can throw although every fact is present. */
  mayThrow: boolean;
}

// The slot of a fact the facts object lacks, during a strict evaluation.
const MISSING = Symbol('missing fact');
const OPERATOR_NAMES: ReadonlySet<string> = new Set(OPERATORS);
const BOOLEAN_KEYS = ['any', 'all', 'not'] as const; // json-rules-engine's precedence when several are present
type Node = Record<string, unknown>;

const isObject = (value: unknown): value is Node => typeof value === 'object' && value !== null;
const booleanKeyOf = (node: Node) => BOOLEAN_KEYS.find((key) => Object.hasOwn(node, key));
const always = (result: boolean): CompiledCondition => ({ fast: () => result, strict: () => result, mayThrow: false });
const throwing = (error: () => Error): CompiledCondition => {
  const test: Test = () => {
    throw error();
  };
  return { fast: test, strict: test, mayThrow: true };
};

/**
 * json-rules-engine's Rule#prioritizeConditions, same keys and same (inconsistent) comparator, so the
 * same groups in the same order. A boolean child's priority is parseInt(priority) || 1; a leaf's is
 * its raw `priority` if truthy, else its fact's (always 1: Loupe registers no engine-level facts).
 * A key such as "__proto__" makes the engine throw whenever it evaluates the node; this throws too,
 * and the caller compiles the node into one that throws.
 */
function priorityGroups(children: readonly Node[]): number[][] {
  const sets: Record<string, number[]> = {};
  children.forEach((child, index) => {
    let priority: unknown = booleanKeyOf(child) !== undefined
      ? Number.parseInt(child.priority as string, 10) || 1
      : Object.hasOwn(child, 'priority') ? child.priority : undefined;
    if (!priority) priority = 1;
    const key = priority as string;
    if (!sets[key]) sets[key] = [];
    sets[key]!.push(index);
  });
  return Object.keys(sets)
    .sort((a, b) => (Number(a) > Number(b) ? -1 : 1))
    .map((key) => sets[key]!);
}

/** all / any over priority groups; `shortCircuit` per group says whether its members may be skipped. */
function combine(isAll: boolean, groups: ReadonlyArray<{ tests: Test[]; shortCircuit: boolean }>): Test {
  const [only] = groups;
  if (groups.length === 1 && only!.shortCircuit) {
    const tests = only!.tests;
    const [a, b] = tests;
    if (tests.length === 2) return isAll ? (s) => a!(s) && b!(s) : (s) => a!(s) || b!(s);
    return isAll
      ? (s) => {
          for (let i = 0; i < tests.length; i++) if (!tests[i]!(s)) return false;
          return true;
        }
      : (s) => {
          for (let i = 0; i < tests.length; i++) if (tests[i]!(s)) return true;
          return false;
        };
  }
  return (s) => {
    for (const { tests, shortCircuit } of groups) {
      let result = isAll;
      for (let i = 0; i < tests.length; i++) {
        const passed = tests[i]!(s); // always called: a later member may throw, as in the engine
        result = isAll ? result && passed : result || passed;
        if (shortCircuit && result !== isAll) break;
      }
      if (result !== isAll) return result;
    }
    return isAll;
  };
}

class Compiler {
  readonly problems: string[] = [];
  /** Fact names in slot order; a name also on Object.prototype ("constructor") needs an own-property check. */
  readonly factNames: string[] = [];
  private readonly slots = new Map<string, number>();

  slotOf(fact: string): number {
    let slot = this.slots.get(fact);
    if (slot === undefined) {
      slot = this.factNames.push(fact) - 1;
      this.slots.set(fact, slot);
    }
    return slot;
  }

  /** A rule's `conditions`: all / any / not at the top, where a `condition` key is ignored. */
  root(conditions: unknown, path: string): CompiledCondition {
    if (!isObject(conditions) || booleanKeyOf(conditions) === undefined) {
      this.problems.push(`${path}: the top level must be "all", "any" or "not" (condition references are not supported)`);
      return always(false);
    }
    return this.boolean(conditions, booleanKeyOf(conditions)!, path);
  }

  private condition(node: unknown, path: string): CompiledCondition {
    if (!isObject(node)) {
      this.problems.push(`${path}: must be an object`);
      return always(false);
    }
    const key = booleanKeyOf(node);
    const compiled = key === undefined ? this.leaf(node, path) : this.boolean(node, key, path);
    // Below the top, the engine resolves a `condition` key (a reference to a named condition) before
    // anything else; Loupe names none, so evaluating the node always throws.
    if (Object.hasOwn(node, 'condition')) return throwing(() => new Error(`No condition ${String(node.condition)} exists`));
    return compiled;
  }

  private boolean(node: Node, key: 'all' | 'any' | 'not', path: string): CompiledCondition {
    const children = node[key];
    if (key === 'not') {
      if (Array.isArray(children)) {
        this.problems.push(`${path}.not: must be a single condition, not an array`);
        return always(false);
      }
      const child = this.condition(children, `${path}.not`);
      const { fast, strict } = child;
      return { fast: (s) => !fast(s), strict: (s) => !strict(s), mayThrow: child.mayThrow };
    }
    if (!Array.isArray(children)) {
      this.problems.push(`${path}.${key}: must be an array`);
      return always(false);
    }
    const compiled = children.map((child, i) => this.condition(child, `${path}.${key}[${i}]`));
    if (compiled.length === 0) return always(true); // the engine's all([]) and any([]) are both true
    if (compiled.length === 1) return compiled[0]!; // evaluated alone, without priorities
    let groups: number[][];
    try {
      groups = priorityGroups(children as Node[]);
    } catch (error) {
      const { message } = error as Error;
      return throwing(() => new TypeError(message));
    }
    const members = groups.map((indexes) => indexes.map((i) => compiled[i]!));
    return {
      fast: combine(key === 'all', members.map((group) => ({
        tests: group.map((c) => c.fast),
        shortCircuit: !group.some((c) => c.mayThrow),
      }))),
      strict: combine(key === 'all', members.map((group) => ({ tests: group.map((c) => c.strict), shortCircuit: false }))),
      mayThrow: compiled.some((c) => c.mayThrow),
    };
  }

  private leaf(node: Node, path: string): CompiledCondition {
    const problemCount = this.problems.length;
    for (const key of ['fact', 'operator', 'value']) if (!Object.hasOwn(node, key)) this.problems.push(`${path}.${key}: is required`);
    const { fact, operator, value } = node;
    if (Object.hasOwn(node, 'fact') && typeof fact !== 'string') this.problems.push(`${path}.fact: must be a fact name`);
    if (Object.hasOwn(node, 'operator') && !OPERATOR_NAMES.has(operator as string)) {
      this.problems.push(`${path}.operator: must be one of ${OPERATORS.join(', ')}`);
    }
    // The engine applies a JSONPath only to object-valued facts and Loupe's facts are all scalars,
    // but rather than carry a JSONPath implementation for a no-op, such rules are refused.
    if (node.path) this.problems.push(`${path}.path: JSONPath on facts is not supported by the compiled evaluator`);
    const reference = isObject(value) && Object.hasOwn(value, 'fact') ? value : undefined;
    if (reference !== undefined) {
      if (typeof reference.fact !== 'string') this.problems.push(`${path}.value.fact: must be a fact name`);
      if (reference.path) this.problems.push(`${path}.value.path: JSONPath on facts is not supported by the compiled evaluator`);
    }
    if (this.problems.length > problemCount) return always(false);

    // `params` and `name` do not change what a constant fact yields; `priority` is the parent's business.
    const op = operator as OperatorName;
    const slot = this.slotOf(fact as string);
    const compare = REFERENCE_OPERATORS[op];
    if (reference === undefined) {
      const { test, mayThrow } = literalLeaf(op, slot, value);
      const strict: Test = (s) => {
        const a = s[slot];
        if (a === MISSING) throw new UndefinedFactError(fact);
        return compare(a, value);
      };
      return { fast: test, strict, mayThrow };
    }
    const valueFact = reference.fact as string;
    const valueSlot = this.slotOf(valueFact);
    const { test, mayThrow } = referenceLeaf(op, slot, valueSlot);
    const strict: Test = (s) => {
      // The engine resolves the value before the fact: a missing value fact is the one reported.
      const b = s[valueSlot];
      if (b === MISSING) throw new UndefinedFactError(valueFact);
      const a = s[slot];
      if (a === MISSING) throw new UndefinedFactError(fact);
      return compare(a, b);
    };
    return { fast: test, strict, mayThrow };
  }
}

/**
 * Compiles a rule set (json-rules-engine rules, as validated by load-rule-set.ts) into closures that
 * give json-rules-engine 7's results with `allowUndefinedFacts: false`, hits in rule-set order.
 * Exact for every rule set the loader accepts, including the cases where the engine throws: a fact
 * the facts object lacks (UndefinedFactError, only if the engine reaches a condition that reads it),
 * in / notIn against a value that is neither an array nor a string (TypeError), a `condition` key
 * below the top level, a facts object with an empty-string key. Facts must be plain data (as
 * deriveFacts and stored decisions are): a function or a promise as a fact value means something
 * else to the engine. Refused, with every problem listed: JSONPath (`path`), operators other than
 * the ten built-ins, condition references at the top level, duplicate rule names, and whatever the
 * engine's constructor refuses.
 */
export function compileRuleSet(ruleSet: Pick<RuleSet, 'rules'>): RuleEvaluator {
  const compiler = new Compiler();
  const seen = new Set<string>();
  const tests = (ruleSet.rules as readonly unknown[]).map((rule, index) => {
    const name = isObject(rule) ? rule.name : undefined;
    const label = typeof name === 'string' ? `rule "${name}"` : `rules[${index}]`;
    if (!isObject(rule) || typeof name !== 'string' || !isObject(rule.event) || !isObject(rule.event.params)) {
      compiler.problems.push(`${label}: must have a name and an event with params`);
      return always(false);
    }
    // Loupe reports hits by name, so two rules with one name could not be told apart.
    if (seen.has(name)) compiler.problems.push(`${label}: name already used`);
    seen.add(name);
    if (Number.parseInt(String(rule.priority || 1), 10) <= 0) compiler.problems.push(`${label}: priority must be greater than zero`);
    // A rule's own priority only orders the engine's work: every rule is evaluated and Loupe sorts hits.
    return compiler.root(rule.conditions, `${label}: conditions`);
  });
  if (compiler.problems.length > 0) throw new RuleSetError(compiler.problems);
  return createEvaluator(ruleSet.rules, tests, compiler.factNames);
}

function createEvaluator(rules: readonly Rule[], compiled: readonly CompiledCondition[], factNames: readonly string[]): RuleEvaluator {
  const fast = compiled.map((c) => c.fast);
  const strict = compiled.map((c) => c.strict);
  const readers = factNames.map(factReader);
  const inherited = factNames.map((name) => name in Object.prototype);
  // One slot array reused by every call: evaluation is synchronous and calls no user code.
  const slots: FactSlots = new Array<unknown>(factNames.length).fill(undefined);
  const empty: Record<string, unknown> = {};

  /** Copies the facts into the slots; false if any is missing (MISSING in its slot). */
  const load = (facts: TransactionFacts): boolean => {
    let complete = true;
    for (let i = 0; i < readers.length; i++) {
      const value = readers[i]!(facts);
      const name = factNames[i]!;
      const present = inherited[i] ? Object.hasOwn(facts, name) : value !== undefined || name in facts;
      slots[i] = present ? value : MISSING;
      complete &&= present;
    }
    return complete;
  };

  return (input) => {
    // The engine adds each key of the facts object as a fact (for...in): nothing for a non-object.
    const facts = typeof input === 'object' && input !== null ? input : (empty as unknown as TransactionFacts);
    if ('' in facts) throw new Error('factId required'); // what the engine's Fact constructor throws
    const tests = load(facts) ? fast : strict;
    const hits: RuleHit[] = [];
    for (let i = 0; i < tests.length; i++) if (tests[i]!(slots)) hits.push(toHit(rules[i]!));
    return hits;
  };
}
