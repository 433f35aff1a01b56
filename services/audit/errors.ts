import { GraphQLError } from 'graphql';

/**
 * The audit API's refusal codes, in `extensions.code` of each error. Anything else a resolver throws
 * is masked to "Unexpected error." with code INTERNAL_SERVER_ERROR, and only logged in full.
 */
export const AUDIT_ERROR_CODES = {
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  BAD_USER_INPUT: 400,
  NOT_FOUND: 404,
  QUERY_TOO_DEEP: 400,
  QUERY_TOO_COSTLY: 400,
  UNAVAILABLE: 503,
} as const;
export type AuditErrorCode = keyof typeof AUDIT_ERROR_CODES;

export function auditError(code: AuditErrorCode, message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code, http: { status: AUDIT_ERROR_CODES[code] } } });
}
