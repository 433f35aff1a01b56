import { timingSafeEqual } from 'node:crypto';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type pg from 'pg';
import type { Role } from '../domain/index.ts';
import { ReviewError } from './errors.ts';
import { findSession, type Session } from './sessions.ts';

export const SESSION_COOKIE = 'loupe_session';
export const CSRF_HEADER = 'x-loupe-csrf';

const RANK: Record<Role, number> = { analyst: 1, lead: 2, admin: 3 };
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export function readCookie(req: Request, name: string): string | undefined {
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A malformed cookie is no session (401), not a server error.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/** Compares in constant time, so response timing says nothing about how much of a token matched. */
function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

/** The signed-in session of a request that passed `requireRole`. */
export const sessionOf = (res: Response): Session => res.locals['session'] as Session;

/**
 * Every API route goes through this: a live session (401), a role at least `minimum` (403) and, for
 * anything but GET/HEAD/OPTIONS, the session's CSRF token in the X-Loupe-CSRF header (403). The
 * cookie is SameSite=Strict already; the header is the second lock for browsers or proxies that
 * do not honour it, since a cross-site page can make the browser send cookies but not set headers.
 */
export function requireRole(pool: pg.Pool, minimum: Role): RequestHandler {
  return async (req: Request, res: Response, next: NextFunction) => {
    const token = readCookie(req, SESSION_COOKIE);
    const session = token ? await findSession(pool, token) : null;
    if (!session) throw new ReviewError('NOT_SIGNED_IN', 'sign in first (POST /api/session)');
    if (!SAFE_METHODS.has(req.method) && !sameToken(req.get(CSRF_HEADER), session.csrfToken)) {
      throw new ReviewError('BAD_CSRF', `missing or wrong ${CSRF_HEADER} header; use the csrfToken returned at sign-in`);
    }
    if (RANK[session.role] < RANK[minimum]) throw new ReviewError('FORBIDDEN', `this needs the ${minimum} role; you are ${session.role}`);
    res.locals['session'] = session;
    next();
  };
}
