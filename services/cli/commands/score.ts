import { runScorer } from '../../scorer/main.ts';
import type { Command } from '../command.ts';

export const scoreCommand: Command = {
  summary: 'run a scorer: consume transactions, decide, persist, publish decisions',
  async run(_args, { config, logger }) {
    await runScorer(config, logger);
  },
};
