import { createKafka, ensureTopicsExist } from '../../platform/kafka.ts';
import type { Command } from '../command.ts';

export const topicsCommand: Command = {
  summary: 'create any missing Loupe topic on the configured Kafka cluster',
  async run(_args, { config, logger }) {
    const created = await ensureTopicsExist(createKafka(config, logger), config);
    console.log(created.length === 0 ? 'all topics exist' : `created: ${created.join(', ')}`);
  },
};
