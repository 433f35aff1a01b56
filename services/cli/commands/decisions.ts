import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { DecisionSchema } from '../../domain/index.ts';
import { createKafka } from '../../platform/kafka.ts';
import { stopOnSignals } from '../../platform/lifecycle.ts';
import { type Command, UsageError } from '../command.ts';

/** One line per decision, for people watching the stream. */
const line = (d: ReturnType<typeof DecisionSchema.parse>) => {
  const rules = d.ruleHits.map((hit) => hit.rule).join(',') || '-';
  return `${d.decidedAt}  ${d.action.padEnd(7)}  p=${d.probability.toFixed(3)}  conf=${d.confidence.toFixed(2)}  ${d.transactionId}  ${d.accountId}  rules=${rules}`;
};

export const decisionsCommand: Command = {
  summary: 'decisions tail [--from-beginning] [--json]: print decisions as they are committed',
  async run(args, { config, logger }) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: { 'from-beginning': { type: 'boolean', default: false }, json: { type: 'boolean', default: false } },
    });
    if (positionals[0] !== 'tail') throw new UsageError('usage: loupe decisions tail [--from-beginning] [--json]');
    const consumer = createKafka(config, logger).consumer({ groupId: `loupe-tail-${randomBytes(4).toString('hex')}`, readUncommitted: false });
    await consumer.connect();
    await consumer.subscribe({ topic: config.topics.decisions, fromBeginning: values['from-beginning'] });
    stopOnSignals(logger, () => consumer.disconnect());
    await consumer.run({
      eachMessage: async ({ message }) => {
        const parsed = DecisionSchema.safeParse(JSON.parse(message.value?.toString('utf8') ?? 'null'));
        if (!parsed.success) {
          logger.warn({ offset: message.offset }, 'record on the decisions topic does not match the Decision contract');
          return;
        }
        console.log(values.json ? JSON.stringify(parsed.data) : line(parsed.data));
      },
    });
  },
};
