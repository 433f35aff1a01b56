import {
  type ASTVisitor,
  type GraphQLNamedType,
  getNamedType,
  isObjectType,
  Kind,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValidationContext,
} from 'graphql';
import { auditError } from './errors.ts';

export interface QueryLimits {
  /** Deepest nesting of fields allowed in one operation. */
  maxDepth: number;
  /** Largest number of values an operation may return at most (see `operationCost`). */
  maxCost: number;
  /** The page size a variable `first` counts as, since validation runs before variables are known. */
  maxPageSize: number;
}

interface Measure {
  depth: number;
  cost: number;
}

type Context = Pick<ValidationContext, 'getFragment' | 'getSchema'>;

/**
 * Depth and cost of a selection set on `type`, following fragments. Cost is the number of values the
 * operation can return at most: each field counts one, and a paginated field (one taking `first`)
 * multiplies what is under it by its page: the literal given, its default, or the largest page for a
 * variable. Introspection fields are not counted (they are bounded by the schema, and whether they
 * are allowed at all is a separate rule).
 */
function measure(selectionSet: SelectionSetNode, type: GraphQLNamedType | undefined, context: Context, limits: QueryLimits, visiting: Set<string>): Measure {
  let depth = 0;
  let cost = 0;
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) {
      if (selection.name.value.startsWith('__')) continue;
      const definition = type && isObjectType(type) ? type.getFields()[selection.name.value] : undefined;
      const child = selection.selectionSet
        ? measure(selection.selectionSet, definition && getNamedType(definition.type), context, limits, visiting)
        : { depth: 0, cost: 0 };
      const firstArgument = definition?.args.find((argument) => argument.name === 'first');
      let page = 1;
      if (firstArgument) {
        const given = selection.arguments?.find((argument) => argument.name.value === 'first')?.value;
        page =
          given === undefined
            ? Number(firstArgument.defaultValue ?? limits.maxPageSize)
            : given.kind === Kind.INT
              ? Math.max(0, Number(given.value))
              : limits.maxPageSize;
      }
      depth = Math.max(depth, 1 + child.depth);
      cost += 1 + page * child.cost;
      continue;
    }
    const name = selection.kind === Kind.FRAGMENT_SPREAD ? selection.name.value : null;
    // A fragment cycle is its own validation error (NoFragmentCycles); here it only stops the walk.
    if (name !== null && visiting.has(name)) continue;
    const fragment = selection.kind === Kind.INLINE_FRAGMENT ? selection : context.getFragment(selection.name.value);
    if (!fragment) continue;
    const condition = fragment.typeCondition ? context.getSchema().getType(fragment.typeCondition.name.value) : type;
    if (name !== null) visiting.add(name);
    const inner = measure(fragment.selectionSet, condition ?? undefined, context, limits, visiting);
    if (name !== null) visiting.delete(name);
    depth = Math.max(depth, inner.depth);
    cost += inner.cost;
  }
  return { depth, cost };
}

export function operationCost(operation: OperationDefinitionNode, context: Context, limits: QueryLimits): Measure {
  const schema = context.getSchema();
  const root = { query: schema.getQueryType(), mutation: schema.getMutationType(), subscription: schema.getSubscriptionType() }[operation.operation];
  return measure(operation.selectionSet, root ?? undefined, context, limits, new Set());
}

/** A validation rule refusing operations deeper or costlier than the limits, before anything runs. */
export function queryLimitsRule(limits: QueryLimits) {
  return (context: ValidationContext): ASTVisitor => ({
    OperationDefinition(operation) {
      const { depth, cost } = operationCost(operation, context, limits);
      if (depth > limits.maxDepth) {
        context.reportError(auditError('QUERY_TOO_DEEP', `the query is ${depth} levels deep; the limit is ${limits.maxDepth}`));
      } else if (cost > limits.maxCost) {
        context.reportError(
          auditError('QUERY_TOO_COSTLY', `the query could return up to ${cost} values; the limit is ${limits.maxCost} (ask for smaller pages or fewer nested lists)`),
        );
      }
    },
  });
}
