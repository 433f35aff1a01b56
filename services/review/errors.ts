/**
 * Errors a review API client can act on: a stable code and the HTTP status it maps to. Anything
 * else thrown in a route is unexpected and answered as 500 INTERNAL without its details.
 */
export const ERROR_STATUS = {
  INVALID_BODY: 400,
  INVALID_QUERY: 400,
  NOT_SIGNED_IN: 401,
  BAD_CREDENTIALS: 401,
  FORBIDDEN: 403,
  BAD_CSRF: 403,
  NOT_FOUND: 404,
  NOT_YOURS: 409,
  ALREADY_LABELED: 409,
  NOT_LABELED: 409,
  LEASE_EXPIRED: 409,
  NOT_CLAIMABLE: 409,
  UNKNOWN_ANALYST: 409,
  INTERNAL: 500,
} as const;
export type ReviewErrorCode = keyof typeof ERROR_STATUS;

export class ReviewError extends Error {
  override name = 'ReviewError';
  readonly status: number;
  constructor(
    readonly code: ReviewErrorCode,
    message: string,
  ) {
    super(message);
    this.status = ERROR_STATUS[code];
  }
}
