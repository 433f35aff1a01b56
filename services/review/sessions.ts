import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Role } from '../domain/index.ts';

export const SESSION_HOURS = 12;

export interface Session {
  username: string;
  role: Role;
  csrfToken: string;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest();

/**
 * A random 32-byte token for the cookie, stored only as its SHA-256, and a separate CSRF token the
 * client must echo in a header: a cross-site form can send the cookie but cannot read or set headers.
 */
export async function createSession(db: pg.Pool, username: string): Promise<{ token: string; csrfToken: string; expiresAt: Date }> {
  // Expired sessions are useless (findSession ignores them); sign-in is a natural moment to drop them.
  await db.query('DELETE FROM sessions WHERE expires_at < now()');
  const token = randomBytes(32).toString('base64url');
  const csrfToken = randomBytes(24).toString('base64url');
  const { rows } = await db.query<{ expires_at: Date }>(
    `INSERT INTO sessions (token_hash, username, csrf_token, expires_at)
     VALUES ($1, $2, $3, now() + make_interval(hours => $4)) RETURNING expires_at`,
    [hashToken(token), username, csrfToken, SESSION_HOURS],
  );
  return { token, csrfToken, expiresAt: rows[0]!.expires_at };
}

export async function findSession(db: pg.Pool, token: string): Promise<Session | null> {
  const { rows } = await db.query<{ username: string; role: Role; csrf_token: string }>({
    name: 'find-session',
    text: `SELECT s.username, u.role, s.csrf_token FROM sessions s JOIN users u USING (username)
            WHERE s.token_hash = $1 AND s.expires_at > now()`,
    values: [hashToken(token)],
  });
  const row = rows[0];
  return row ? { username: row.username, role: row.role, csrfToken: row.csrf_token } : null;
}

export async function deleteSession(db: pg.Pool, token: string): Promise<void> {
  await db.query('DELETE FROM sessions WHERE token_hash = $1', [hashToken(token)]);
}
