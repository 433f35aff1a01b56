import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { runner } from 'node-pg-migrate';
import type { Logger } from './logger.ts';

const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations', import.meta.url));

export interface DatabaseOptions {
  url: string;
  schema: string;
  poolSize: number;
}

/**
 * A pool whose every connection works inside `schema`, so tests and tenants can share one database.
 * `applicationName` labels its connections in pg_stat_activity (which scorer holds which locks),
 * and lets a test cut one process off its database without touching anyone else's connections.
 */
export function createPool(options: DatabaseOptions & { applicationName?: string }): pg.Pool {
  const pool = new pg.Pool({
    connectionString: options.url,
    max: options.poolSize,
    options: `-c search_path=${options.schema}`,
    application_name: options.applicationName,
  });
  // An idle client losing its connection (Postgres restarted) must not crash the process; the next
  // query gets a fresh connection and the caller's retry policy decides.
  pool.on('error', () => {});
  return pool;
}

const DUPLICATE_DATABASE = '42P04';
const UNIQUE_VIOLATION = '23505';

/** The statement failed because a row with the same unique key exists (or was committed meanwhile). */
export function isUniqueViolation(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === UNIQUE_VIOLATION;
}

/** Creates the database named in `url` if it does not exist yet; safe when two processes race. */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[A-Za-z0-9_-]+$/.test(name)) throw new Error(`database name "${name}" must be letters, digits, "_" or "-"`);
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new pg.Client({ connectionString: maintenance.toString() });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rowCount === 0) await client.query(`CREATE DATABASE "${name}"`);
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== DUPLICATE_DATABASE && !isUniqueViolation(error)) throw error;
  } finally {
    await client.end();
  }
}

/**
 * Applies pending migrations from `migrations/` in one transaction. Concurrent callers wait on an
 * advisory lock and then find nothing left to do, so every process may migrate at start-up.
 */
export async function migrate(options: Pick<DatabaseOptions, 'url' | 'schema'>, logger?: Logger): Promise<string[]> {
  await ensureDatabase(options.url);
  const applied = await runner({
    databaseUrl: options.url,
    dir: MIGRATIONS_DIR,
    direction: 'up',
    migrationsTable: 'pgmigrations',
    schema: options.schema,
    createSchema: true,
    singleTransaction: true,
    advisoryLockMode: 'wait',
    checkOrder: true,
    logger: {
      debug: () => {},
      info: (message: string) => logger?.debug({ migration: message }, 'migration'),
      warn: (message: string) => logger?.warn({ migration: message }, 'migration'),
      error: (message: string) => logger?.error({ migration: message }, 'migration'),
    },
  });
  return applied.map((migration) => migration.name);
}

/** Runs `work` in one database transaction on one connection; rolls back and rethrows on error. */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  // The pool only listens for errors on idle clients. A checked-out client whose connection dies
  // (Postgres restarted, backend terminated) emits 'error', and with no listener that killed the
  // whole process (test/integration/postgres-outage.test.ts). The query in flight fails anyway and
  // tells the caller; here the broken client is only noted, and destroyed rather than pooled again.
  let lost: Error | undefined;
  const onError = (error: Error) => {
    lost = error;
  };
  client.on('error', onError);
  try {
    await client.query('BEGIN');
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    if (lost === undefined) await client.query('ROLLBACK').catch(() => {});
    throw error;
  } finally {
    client.off('error', onError);
    client.release(lost);
  }
}
