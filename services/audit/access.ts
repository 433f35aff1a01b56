import { defaultFieldResolver, type GraphQLFieldResolver, type GraphQLSchema, isObjectType } from 'graphql';
import type { ApiPrincipal, ApiRole } from './api-tokens.ts';
import { auditError } from './errors.ts';

/**
 * What a role may see. `read`: decisions, models, rules, policies, review items and labels, without
 * people. `personal-data`: who labelled, claimed or escalated what, and their notes. `audit-log`:
 * the entries themselves and chain verification. `replay`: re-scoring (it loads models, so it costs).
 * `tokens`: the token list.
 */
export type Permission = 'read' | 'personal-data' | 'audit-log' | 'replay' | 'tokens';

export const GRANTS: Record<ApiRole, ReadonlySet<Permission>> = {
  analyst: new Set(['read']),
  auditor: new Set(['read', 'personal-data', 'audit-log', 'replay']),
  admin: new Set(['read', 'personal-data', 'audit-log', 'replay', 'tokens']),
};

/** Fields that need more than `read`. Every other field of every type needs `read`. */
export const FIELD_PERMISSIONS: Readonly<Record<string, Permission>> = {
  'Label.analyst': 'personal-data',
  'Label.note': 'personal-data',
  'ReviewItem.claimedBy': 'personal-data',
  'ReviewItem.assignedTo': 'personal-data',
  'ReviewItem.escalatedBy': 'personal-data',
  'ReviewItem.note': 'personal-data',
  'Query.labelsByAnalyst': 'personal-data',
  'Query.auditEntries': 'audit-log',
  'Query.verifyAuditChain': 'audit-log',
  'Decision.auditEntries': 'audit-log',
  'ModelVersion.auditEntries': 'audit-log',
  'RuleSet.activations': 'audit-log',
  'Query.replay': 'replay',
  'Query.apiTokens': 'tokens',
};

export interface AccessContext {
  principal: ApiPrincipal | null;
}

export const permissionFor = (type: string, field: string): Permission => FIELD_PERMISSIONS[`${type}.${field}`] ?? 'read';

export function assertAllowed(principal: ApiPrincipal | null, type: string, field: string): void {
  if (principal === null) throw auditError('UNAUTHENTICATED', 'send an API token as "Authorization: Bearer <token>"');
  const needed = permissionFor(type, field);
  if (!GRANTS[principal.role].has(needed)) {
    throw auditError('FORBIDDEN', `${type}.${field} needs the ${needed} permission, which the ${principal.role} role does not have`);
  }
}

/**
 * Wraps the resolver (and subscriber) of every field of every object type with the access check, so
 * a field added later is guarded by default rather than by remembering to. Introspection types
 * (`__Schema`...) are left alone; whether introspection is allowed at all is a validation rule.
 */
export function guardEveryField<TContext extends AccessContext>(schema: GraphQLSchema): GraphQLSchema {
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    for (const field of Object.values(type.getFields())) {
      const resolve: GraphQLFieldResolver<unknown, TContext> = field.resolve ?? defaultFieldResolver;
      field.resolve = (source, args, context, info) => {
        assertAllowed(context.principal, type.name, field.name);
        return resolve(source, args, context, info);
      };
      const subscribe = field.subscribe as GraphQLFieldResolver<unknown, TContext> | undefined;
      if (subscribe) {
        field.subscribe = (source, args, context, info) => {
          assertAllowed(context.principal, type.name, field.name);
          return subscribe(source, args, context, info);
        };
      }
    }
  }
  return schema;
}
