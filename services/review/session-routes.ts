import express, { type Router } from 'express';
import type pg from 'pg';
import { SignInBody } from '../domain/index.ts';
import { appendAudit } from '../platform/audit-log.ts';
import { readCookie, requireRole, SESSION_COOKIE, sessionOf } from './auth.ts';
import { ReviewError } from './errors.ts';
import { verifyPassword } from './passwords.ts';
import { createSession, deleteSession } from './sessions.ts';
import { findUser } from './users.ts';
import { parseBody } from './validate.ts';

// A fixed hash to verify against when the user does not exist, so a wrong username takes as long as
// a wrong password and sign-in does not reveal which usernames exist.
const DUMMY_HASH = 'scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA==$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';

/** POST /api/session signs in; DELETE /api/session signs out. */
export function sessionRoutes(deps: { pool: pg.Pool; secureCookies: boolean }): Router {
  const router = express.Router();
  router.post('/api/session', async (req, res) => {
    const body = parseBody(SignInBody, req.body);
    const user = await findUser(deps.pool, body.username);
    const valid = await verifyPassword(body.password, user?.passwordHash ?? DUMMY_HASH);
    if (!user || !valid) {
      await appendAudit(deps.pool, { actor: body.username, kind: 'session.sign-in-failed', subject: body.username, payload: { knownUser: user !== null } });
      throw new ReviewError('BAD_CREDENTIALS', 'unknown user or wrong password');
    }
    const session = await createSession(deps.pool, body.username);
    // Recorded before the cookie is sent: a session the audit log does not know is never handed out.
    await appendAudit(deps.pool, { actor: body.username, kind: 'session.signed-in', subject: body.username, payload: { role: user.role } });
    res.cookie(SESSION_COOKIE, session.token, {
      httpOnly: true,
      sameSite: 'strict',
      secure: deps.secureCookies,
      path: '/',
      expires: session.expiresAt,
    });
    res.status(201).json({ username: body.username, role: user.role, csrfToken: session.csrfToken, expiresAt: session.expiresAt.toISOString() });
  });
  // The page asks who is signed in on load; the CSRF token is readable only by same-origin script.
  router.get('/api/session', requireRole(deps.pool, 'analyst'), (_req, res) => {
    const session = sessionOf(res);
    res.json({ username: session.username, role: session.role, csrfToken: session.csrfToken });
  });
  router.delete('/api/session', requireRole(deps.pool, 'analyst'), async (req, res) => {
    await deleteSession(deps.pool, readCookie(req, SESSION_COOKIE)!);
    res.clearCookie(SESSION_COOKIE, { path: '/' });
    res.status(204).end();
  });
  return router;
}
