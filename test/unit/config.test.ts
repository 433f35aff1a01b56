import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigError, loadConfig } from '../../services/platform/config.ts';

describe('loadConfig', () => {
  it('runs locally with no environment at all', () => {
    const config = loadConfig({});
    assert.deepEqual(config.kafka.brokers, ['127.0.0.1:9092']);
    assert.equal(config.database.url, 'postgres://postgres@127.0.0.1:5432/loupe');
    assert.equal(config.topics['transactions.dlq'], 'transactions.dlq');
    assert.equal(config.policy.confidenceThreshold, 0.6);
  });

  it('prefixes every topic and splits broker lists', () => {
    const config = loadConfig({ LOUPE_TOPIC_PREFIX: 'test-1.', KAFKA_BROKERS: 'a:1, b:2' });
    assert.equal(config.topics.decisions, 'test-1.decisions');
    assert.deepEqual(config.kafka.brokers, ['a:1', 'b:2']);
  });

  it('names every bad variable in one readable error', () => {
    assert.throws(
      () => loadConfig({ LOUPE_CONFIDENCE_THRESHOLD: '1.5', LOUPE_TOPIC_PARTITIONS: 'four', DATABASE_SCHEMA: 'Robert"; DROP' }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.match(error.message, /LOUPE_CONFIDENCE_THRESHOLD/);
        assert.match(error.message, /LOUPE_TOPIC_PARTITIONS/);
        assert.match(error.message, /DATABASE_SCHEMA/);
        return true;
      },
    );
  });
});
