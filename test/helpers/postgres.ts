import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createPool, migrate } from '../../services/platform/postgres.ts';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/loupe_test';

export interface TestDatabase {
  url: string;
  schema: string;
  pool: pg.Pool;
  /** Drops the schema and closes the pool. */
  drop(): Promise<void>;
}

/** A freshly migrated schema of its own for one test file, in the shared test database. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  await migrate({ url: TEST_DATABASE_URL, schema });
  const pool = createPool({ url: TEST_DATABASE_URL, schema, poolSize: 8 });
  return {
    url: TEST_DATABASE_URL,
    schema,
    pool,
    async drop() {
      await pool.end();
      const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
      await admin.connect();
      try {
        await admin.query(`DROP SCHEMA "${schema}" CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
