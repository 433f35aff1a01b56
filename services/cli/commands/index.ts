import type { Command } from '../command.ts';
import { auditCommand } from './audit.ts';
import { backtestCommand } from './backtest.ts';
import { decisionsCommand } from './decisions.ts';
import { evaluateCommand } from './evaluate.ts';
import { labelsCommand } from './labels.ts';
import { migrateCommand } from './migrate.ts';
import { modelsCommand } from './models.ts';
import { reviewCommand } from './review.ts';
import { rulesCommand } from './rules.ts';
import { scoreCommand } from './score.ts';
import { simulateCommand } from './simulate.ts';
import { topicsCommand } from './topics.ts';
import { tokensCommand } from './tokens.ts';
import { trainCommand } from './train.ts';
import { trainerCommand } from './trainer.ts';
import { usersCommand } from './users.ts';

export const COMMANDS: Record<string, Command> = {
  migrate: migrateCommand,
  topics: topicsCommand,
  score: scoreCommand,
  simulate: simulateCommand,
  rules: rulesCommand,
  decisions: decisionsCommand,
  evaluate: evaluateCommand,
  backtest: backtestCommand,
  train: trainCommand,
  trainer: trainerCommand,
  models: modelsCommand,
  labels: labelsCommand,
  review: reviewCommand,
  users: usersCommand,
  audit: auditCommand,
  tokens: tokensCommand,
};
