import { createHash, randomBytes } from 'node:crypto';
import type pg from 'pg';
import { z } from 'zod';
import { appendAudit } from '../platform/audit-log.ts';
import { withTransaction } from '../platform/postgres.ts';
import { type Connection, decodeCursor, IdCursor, type Page, toConnection } from './pagination.ts';

export const API_ROLES = ['auditor', 'analyst', 'admin'] as const;
export const ApiRole = z.enum(API_ROLES);
export type ApiRole = z.infer<typeof ApiRole>;

/** Who a request acts as: the token's row, never the secret. */
export interface ApiPrincipal {
  tokenId: string;
  name: string;
  role: ApiRole;
}

export interface ApiTokenSummary extends ApiPrincipal {
  createdBy: string;
  createdAt: string;
  expiresAt: string | null;
  revokedAt: string | null;
}

// The prefix lets secret scanners recognise a leaked token; only its SHA-256 is stored.
const TOKEN_PREFIX = 'loupe_';
const hashOf = (token: string) => createHash('sha256').update(token).digest();

/** Creates a token and returns its secret: shown once, never stored. */
export async function createApiToken(
  pool: pg.Pool,
  request: { name: string; role: ApiRole; createdBy: string; expiresAt: Date | null },
): Promise<{ id: string; token: string }> {
  const token = `${TOKEN_PREFIX}${randomBytes(32).toString('base64url')}`;
  return withTransaction(pool, async (client) => {
    const { rows } = await client.query<{ id: string }>(
      'INSERT INTO api_tokens (name, role, token_hash, created_by, expires_at) VALUES ($1, $2, $3, $4, $5) RETURNING id',
      [request.name, request.role, hashOf(token), request.createdBy, request.expiresAt],
    );
    const id = rows[0]!.id;
    await appendAudit(client, {
      actor: request.createdBy,
      kind: 'token.created',
      subject: `token/${id}`,
      payload: { name: request.name, role: request.role, expiresAt: request.expiresAt?.toISOString() ?? null },
    });
    return { id, token };
  });
}

/** Revokes a token; false if there is no such live token. */
export async function revokeApiToken(pool: pg.Pool, id: string, actor: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const { rowCount } = await client.query('UPDATE api_tokens SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [id]);
    if (rowCount !== 1) return false;
    await appendAudit(client, { actor, kind: 'token.revoked', subject: `token/${id}` });
    return true;
  });
}

/** The live (not revoked, not expired) token with this secret, or null. */
export async function authenticateApiToken(db: Pick<pg.Pool, 'query'>, token: string): Promise<ApiPrincipal | null> {
  if (!token.startsWith(TOKEN_PREFIX)) return null;
  const { rows } = await db.query<{ id: string; name: string; role: ApiRole }>(
    `SELECT id, name, role FROM api_tokens
      WHERE token_hash = $1 AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())`,
    [hashOf(token)],
  );
  const row = rows[0];
  return row ? { tokenId: row.id, name: row.name, role: row.role } : null;
}

/** Tokens newest first, revoked and expired ones included (they are history). */
export async function listApiTokens(db: Pick<pg.Pool, 'query'>, page: Page): Promise<Connection<ApiTokenSummary>> {
  const after = page.after ? decodeCursor(page.after, IdCursor)[0] : null;
  const { rows } = await db.query<{
    id: string;
    name: string;
    role: ApiRole;
    created_by: string;
    created_at: Date;
    expires_at: Date | null;
    revoked_at: Date | null;
  }>(
    `SELECT id, name, role, created_by, created_at, expires_at, revoked_at FROM api_tokens
      WHERE ($1::bigint IS NULL OR id < $1::bigint) ORDER BY id DESC LIMIT $2`,
    [after, page.first + 1],
  );
  const tokens = rows.map((row) => ({
    tokenId: row.id,
    name: row.name,
    role: row.role,
    createdBy: row.created_by,
    createdAt: row.created_at.toISOString(),
    expiresAt: row.expires_at?.toISOString() ?? null,
    revokedAt: row.revoked_at?.toISOString() ?? null,
  }));
  return toConnection(tokens, page, (token) => [token.tokenId]);
}
