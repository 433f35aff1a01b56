import type pg from 'pg';
import type { Role } from '../domain/index.ts';
import { hashPassword } from './passwords.ts';

interface UserRow {
  username: string;
  role: Role;
  password_hash: string;
}

export interface User {
  username: string;
  role: Role;
  passwordHash: string;
}

/** Creates the user, or resets the role and password of an existing one. */
export async function upsertUser(db: pg.Pool | pg.PoolClient, user: { username: string; role: Role; password: string }): Promise<void> {
  const passwordHash = await hashPassword(user.password);
  await db.query(
    `INSERT INTO users (username, role, password_hash) VALUES ($1, $2, $3)
     ON CONFLICT (username) DO UPDATE SET role = EXCLUDED.role, password_hash = EXCLUDED.password_hash, updated_at = now()`,
    [user.username, user.role, passwordHash],
  );
}

export async function findUser(db: pg.Pool | pg.PoolClient, username: string): Promise<User | null> {
  const { rows } = await db.query<UserRow>('SELECT username, role, password_hash FROM users WHERE username = $1', [username]);
  const row = rows[0];
  return row ? { username: row.username, role: row.role, passwordHash: row.password_hash } : null;
}
