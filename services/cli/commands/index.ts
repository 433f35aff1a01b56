import type { Command } from '../command.ts';
import { decisionsCommand } from './decisions.ts';
import { migrateCommand } from './migrate.ts';
import { rulesCommand } from './rules.ts';
import { scoreCommand } from './score.ts';
import { topicsCommand } from './topics.ts';

export const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  topics: topicsCommand,
  score: scoreCommand,
  rules: rulesCommand,
  decisions: decisionsCommand,
};
