import { runReview } from '../../review/main.ts';
import type { Command } from '../command.ts';

export const reviewCommand: Command = {
  summary: 'run the review API (LOUPE_REVIEW_HTTP_PORT, default 8082)',
  async run(_args, { config, logger }) {
    await runReview(config, logger);
  },
};
