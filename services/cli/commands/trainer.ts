import { runTrainer } from '../../trainer/main.ts';
import type { Command } from '../command.ts';

export const trainerCommand: Command = {
  summary: 'run the trainer service: labels → supervised head → gated promotion → model-updates',
  async run(_args, { config, logger }) {
    await runTrainer(config, logger);
  },
};
