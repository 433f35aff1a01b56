import { createKafka, ensureTopics } from '../../platform/kafka.ts';
import type { Command } from '../command.ts';

export const topicsCommand: Command = {
  summary: 'create any missing Loupe topic on the configured Kafka cluster',
  async run(_args, { config, logger }) {
    const admin = createKafka(config, logger).admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, config);
      console.log(created.length === 0 ? 'all topics exist' : `created: ${created.join(', ')}`);
    } finally {
      await admin.disconnect();
    }
  },
};
