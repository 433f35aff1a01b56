import { migrate } from '../../platform/postgres.ts';
import type { Command } from '../command.ts';

export const migrateCommand: Command = {
  summary: 'create the database if missing and apply pending migrations',
  async run(_args, { config, logger }) {
    const applied = await migrate(config.database, logger);
    console.log(applied.length === 0 ? 'database is up to date' : `applied: ${applied.join(', ')}`);
  },
};
