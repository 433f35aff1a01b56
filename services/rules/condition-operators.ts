import type { OPERATORS } from './rule-schema.ts';

export type OperatorName = (typeof OPERATORS)[number];
/** The facts one evaluation reads, one slot per fact name the rule set uses (see compile-rules.ts). */
export type FactSlots = unknown[];
export type Test = (slots: FactSlots) => boolean;
type Compare = (factValue: unknown, value: unknown) => boolean;
interface HasIndexOf {
  indexOf(item: unknown): number;
}

/**
 * json-rules-engine's `numberValidator`, which guards its four numeric operators:
 * `Number.parseFloat(v).toString() !== 'NaN'`. parseFloat reads a leading number from String(v),
 * so '12abc', ' 7', 'Infinity' and [5] pass; null, true, '', [] and NaN do not. The comparison that
 * follows is plain JavaScript `<`, so '12abc' < 20 is false (Number('12abc') is NaN) and '5' < '10'
 * compares strings.
 */
export const isNumberLike = (value: unknown): boolean =>
  typeof value === 'number' ? !Number.isNaN(value) : !Number.isNaN(Number.parseFloat(value as string));

/**
 * The ten built-in operators exactly as json-rules-engine 7 evaluates them (engine-default-operators.js:
 * `validator(factValue) && callback(factValue, value)`). Notable:
 * - equal / notEqual are strict (`===`): 5 and '5' differ, NaN never equals.
 * - in / notIn call `value.indexOf(factValue)`: an array tests `===` membership, a string tests for a
 *   substring of String(factValue) ('' is in every string), anything else (number, boolean, null)
 *   throws a TypeError, which fails the whole run.
 * - contains / doesNotContain require an array fact and are false for anything else, so
 *   doesNotContain on a string or number fact is false, not true.
 */
export const REFERENCE_OPERATORS: Readonly<Record<OperatorName, Compare>> = {
  equal: (a, b) => a === b,
  notEqual: (a, b) => a !== b,
  in: (a, b) => (b as HasIndexOf).indexOf(a) > -1,
  notIn: (a, b) => (b as HasIndexOf).indexOf(a) === -1,
  contains: (a, b) => Array.isArray(a) && a.indexOf(b) > -1,
  doesNotContain: (a, b) => Array.isArray(a) && a.indexOf(b) === -1,
  lessThan: (a, b) => isNumberLike(a) && (a as number) < (b as number),
  lessThanInclusive: (a, b) => isNumberLike(a) && (a as number) <= (b as number),
  greaterThan: (a, b) => isNumberLike(a) && (a as number) > (b as number),
  greaterThanInclusive: (a, b) => isNumberLike(a) && (a as number) >= (b as number),
};

/** A compiled leaf for the common case where every fact is present; `mayThrow` if it can still throw. */
export interface LeafTest {
  test: Test;
  mayThrow: boolean;
}

// Numeric comparisons with the validator skipped for numbers, the usual case: for a number it only
// rejects NaN, and any comparison with NaN is false anyway. Literal and reference variants are
// written out so that the hot path has no extra call.
function numericLiteral(operator: OperatorName, slot: number, b: number): Test {
  switch (operator) {
    case 'lessThan':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) < b;
      };
    case 'lessThanInclusive':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) <= b;
      };
    case 'greaterThan':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) > b;
      };
    default:
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) >= b;
      };
  }
}

function numericReference(operator: OperatorName, slot: number, valueSlot: number): Test {
  switch (operator) {
    case 'lessThan':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) < (s[valueSlot] as number);
      };
    case 'lessThanInclusive':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) <= (s[valueSlot] as number);
      };
    case 'greaterThan':
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) > (s[valueSlot] as number);
      };
    default:
      return (s) => {
        const a = s[slot];
        return (typeof a === 'number' || isNumberLike(a)) && (a as number) >= (s[valueSlot] as number);
      };
  }
}

const NUMERIC: ReadonlySet<OperatorName> = new Set(['lessThan', 'lessThanInclusive', 'greaterThan', 'greaterThanInclusive']);

// Up to this many items, a scan with `===` beats Set#has, which V8 does not inline (measured: about
// 13 ns a lookup, a fifth of a 50-rule evaluation).
const SHORT_LIST = 8;

/** `fact <operator> literal`, specialised on the literal where that is exact. */
export function literalLeaf(operator: OperatorName, slot: number, value: unknown): LeafTest {
  switch (operator) {
    case 'equal':
      return { test: (s) => s[slot] === value, mayThrow: false };
    case 'notEqual':
      return { test: (s) => s[slot] !== value, mayThrow: false };
    case 'in':
    case 'notIn': {
      const wanted = operator === 'in';
      if (Array.isArray(value)) {
        // Array#indexOf compares with `===` and skips holes; so do these (filter drops holes too).
        const items = value.filter(() => true);
        if (items.length > SHORT_LIST) {
          // A Set is SameValueZero, which differs from `===` only in finding NaN.
          const members = new Set(items.filter((item) => !Number.isNaN(item)));
          return { test: (s) => members.has(s[slot]) === wanted, mayThrow: false };
        }
        return {
          test: (s) => {
            const a = s[slot];
            for (let i = 0; i < items.length; i++) if (items[i] === a) return wanted;
            return !wanted;
          },
          mayThrow: false,
        };
      }
      if (typeof value === 'string') return { test: (s) => (value.indexOf(s[slot] as string) > -1) === wanted, mayThrow: false };
      // A number, boolean or null has no indexOf: the engine throws whenever this leaf is reached.
      const compare = REFERENCE_OPERATORS[operator];
      return { test: (s) => compare(s[slot], value), mayThrow: true };
    }
    case 'contains':
    case 'doesNotContain': {
      const compare = REFERENCE_OPERATORS[operator];
      return { test: (s) => compare(s[slot], value), mayThrow: false };
    }
    default:
      // `value` may be any literal ('10', null, true, [5]): `<` converts it as the engine's does.
      return { test: numericLiteral(operator, slot, value as number), mayThrow: false };
  }
}

/** `fact <operator> { fact: other }`: both read from the slots. */
export function referenceLeaf(operator: OperatorName, slot: number, valueSlot: number): LeafTest {
  if (NUMERIC.has(operator)) return { test: numericReference(operator, slot, valueSlot), mayThrow: false };
  const compare = REFERENCE_OPERATORS[operator];
  // in / notIn throw unless the other fact is an array or a string, which only the facts can tell.
  return { test: (s) => compare(s[slot], s[valueSlot]), mayThrow: operator === 'in' || operator === 'notIn' };
}
