import type pg from 'pg';
import type { Config } from '../platform/config.ts';
import { createPool, migrate } from '../platform/postgres.ts';
import type { Logger } from '../platform/logger.ts';

export interface CommandContext {
  config: Config;
  logger: Logger;
}

export interface Command {
  summary: string;
  /** Returns the exit code; a long-running command resolves when it has started and exits on a signal. */
  run(args: string[], context: CommandContext): Promise<number | void>;
}

/** Bad arguments: printed without a stack trace, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** A flag that must be a whole number ≥ `min`; otherwise a UsageError followed by the command's help. */
export function wholeNumberFlag(name: string, raw: string, min: number, help: string): number {
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new UsageError(`--${name} must be a whole number ≥ ${min}, got "${raw}"\n\n${help}`);
  return value;
}

/** Migrates, runs `work` with a pool of the configured database, and closes the pool whatever happens. */
export async function withPool<T>({ config, logger }: CommandContext, work: (pool: pg.Pool) => Promise<T>): Promise<T> {
  await migrate(config.database, logger);
  const pool = createPool(config.database);
  try {
    return await work(pool);
  } finally {
    await pool.end();
  }
}
