import { randomUUID } from 'node:crypto';
import { createPubSub } from 'graphql-yoga';
import type { Consumer, Kafka } from 'kafkajs';
import { type Decision, DecisionSchema, type Label, LabelSchema, parseMessage } from '../domain/index.ts';
import type { Config } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';

export interface LiveFeed {
  subscribeDecisions(): AsyncIterable<Decision>;
  subscribeLabels(): AsyncIterable<Label>;
  /** Resolves once the feed reads the topics' ends, so an event produced afterwards is seen. */
  ready(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * New decisions and labels as they reach their topics, fanned out to every subscription of this
 * process. The feed reads from each topic's end in a consumer group of its own (one per process, not
 * shared, never committed): a subscription is live news, and history is what the queries are for.
 */
export async function startLiveFeed(deps: { kafka: Kafka; topics: Pick<Config['topics'], 'decisions' | 'labels'>; logger: Logger }): Promise<LiveFeed> {
  const pubSub = createPubSub<{ decision: [Decision]; label: [Label] }>();
  const consumer: Consumer = deps.kafka.consumer({ groupId: `loupe-audit-live-${randomUUID()}`, readUncommitted: false });
  let fetched!: () => void;
  const firstFetch = new Promise<void>((resolve) => (fetched = resolve));
  const removeListener = consumer.on(consumer.events.FETCH, () => fetched());

  await consumer.connect();
  await consumer.subscribe({ topics: [deps.topics.decisions, deps.topics.labels], fromBeginning: false });
  await consumer.run({
    autoCommit: false,
    eachMessage: async ({ topic, message }) => {
      if (topic === deps.topics.decisions) {
        const decision = parseMessage(DecisionSchema, message.value);
        if (decision) pubSub.publish('decision', decision);
        else deps.logger.warn({ topic, offset: message.offset }, 'live feed: skipped a record that is not a decision');
      } else {
        const label = parseMessage(LabelSchema, message.value);
        if (label) pubSub.publish('label', label);
        else deps.logger.warn({ topic, offset: message.offset }, 'live feed: skipped a record that is not a label');
      }
    },
  });
  return {
    subscribeDecisions: () => pubSub.subscribe('decision'),
    subscribeLabels: () => pubSub.subscribe('label'),
    ready: () => firstFetch,
    async stop() {
      removeListener();
      await consumer.disconnect();
    },
  };
}

/**
 * The items of `source` that pass `keep` (which may look things up). Closing the result closes the
 * source at once, even while it waits for its next item, so a client that goes away frees its
 * subscription immediately rather than at the next event.
 */
export function keepMatching<T>(source: AsyncIterable<T>, keep: (item: T) => boolean | Promise<boolean>): AsyncIterableIterator<T> {
  const iterator = source[Symbol.asyncIterator]();
  return {
    async next() {
      for (;;) {
        const result = await iterator.next();
        if (result.done || (await keep(result.value))) return result;
      }
    },
    return: (value?: unknown) => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value: undefined }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
