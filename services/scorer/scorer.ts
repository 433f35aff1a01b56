import { EventEmitter } from 'node:events';
import type pg from 'pg';
import type { AccountState } from '../domain/index.ts';
import type { Config, KafkaClientName } from '../platform/config.ts';
import type { Logger } from '../platform/logger.ts';
import { withTransaction } from '../platform/postgres.ts';
import type { AnomalyModel } from '../model/anomaly-model.ts';
import { type PolicyConfig, policyVersion } from '../policy/decide.ts';
import { createReviewBudget, type ReviewBudget } from '../policy/review-budget.ts';
import { utcDay } from '../features/day-buckets.ts';
import { AccountStateCache } from './account-state-cache.ts';
import { loadLabelRecords } from './label-history-store.ts';
import { createModelSlot } from './model-slot.ts';
import { recordPolicyVersion } from './policy-store.ts';
import { createRuleEvaluator, type RuleEvaluator } from '../rules/evaluate.ts';
import { loadRuleSet, type RuleSet } from '../rules/load-rule-set.ts';
import { recordRuleSetActivation } from '../rules/rule-set-store.ts';
import { type RuleSetWatcher, watchRuleSet } from '../rules/watch-rule-set.ts';
import { findStoredDecisions, loadAccountStates, persistScoredBatch } from './decision-store.ts';
import { batchMessages } from './publish-batch.ts';
import { parseRecords, scoreBatch, type SourceRecord, validTransactions } from './score-batch.ts';
import type { ConsumerHandlers, ScorerTransport } from './transport.ts';

export interface ScorerDeps {
  config: Pick<Config, 'topics' | 'scorer' | 'rulesDir' | 'limits' | 'policy' | 'reviewBudget'> & { kafka: Pick<Config['kafka'], 'partitions'> };
  /** The Kafka client behind the scorer (createScorerTransport); the scorer owns it from here and stops it. */
  transport: ScorerTransport;
  pool: pg.Pool;
  logger: Logger;
  /**
   * The anomaly model (the champion); absent or null runs the supported rules-only mode. The scorer
   * owns it from here: a swap (useModel) or stop() disposes it.
   */
  model?: AnomalyModel | null;
  /** The TensorFlow.js backend the model runs on, for the health endpoint. */
  backend?: string;
  nowMs?: () => number;
}

export interface BatchReport {
  partition: number;
  firstOffset: string;
  lastOffset: string;
  decisions: number;
  replayed: number;
  duplicates: number;
  deadLetters: number;
  rulesVersion: string;
  durationMs: number;
  /** Where the batch's time went: reading stored decisions and state, scoring, the Postgres commit, the Kafka transaction. */
  phasesMs: BatchPhases;
}

export interface BatchPhases {
  read: number;
  score: number;
  persist: number;
  publish: number;
}

export interface ScorerEvents {
  batch: [BatchReport];
  'rules.activated': [{ version: string }];
  'rules.refused': [{ error: Error }];
  'batch.failed': [{ partition: number; error: Error }];
  /** The transport lost its consumer and built a new one. */
  'consumer.rebuilt': [{ attempt: number }];
}

export type ScorerState = 'idle' | 'starting' | 'running' | 'stopping' | 'stopped';

export interface ScorerStatus {
  state: ScorerState;
  instanceId: string;
  rulesVersion: string | null;
  policyVersion: string;
  modelVersion: string | null;
  backend: string | null;
  kafkaClient: KafkaClientName;
  assignedPartitions: number[];
  joinedGroup: boolean;
  totals: { decisions: number; replayed: number; duplicates: number; deadLetters: number; batches: number; failures: number; phasesMs: BatchPhases };
  lastBatchAt: string | null;
  lastError: string | null;
}

export interface Scorer {
  start(): Promise<void>;
  /** Stops consuming, lets the batch in flight finish and commit, then closes producers. */
  stop(): Promise<void>;
  status(): ScorerStatus;
  /**
   * Scores every batch that starts from now on with `model`; batches in flight finish with the model
   * they started with. Each decision records the version that made it.
   */
  useModel(model: AnomalyModel): void;
  readonly events: EventEmitter<ScorerEvents>;
}

interface ActiveRules {
  ruleSet: RuleSet;
  evaluate: RuleEvaluator;
}

export function createScorer(deps: ScorerDeps): Scorer {
  const { config, transport, pool } = deps;
  const logger = deps.logger.child({ component: 'scorer', instance: config.scorer.instanceId });
  const models = createModelSlot(deps.model ?? null);
  const nowMs = deps.nowMs ?? Date.now;
  const events = new EventEmitter<ScorerEvents>();
  const inputTopic = config.topics.transactions;
  const basePolicyVersion = policyVersion(config.policy);
  const recordedPolicies = new Set<string>();
  // With a review budget, each partition has its own controller and threshold: partitions of a
  // backlog progress through event time at different speeds, and each carries 1/partitions of the
  // traffic and so of the analysts' capacity.
  const budgets = new Map<number, { budget: ReviewBudget; policy: PolicyConfig; version: string }>();
  // Partitions whose last batch failed: the Kafka commit may have succeeded even so (a lost reply),
  // so their next batch first asks the broker where the group's committed offset really is.
  const uncertainPartitions = new Set<number>();
  // Account state cached per partition; dropped on any failure or revocation and reloaded from
  // Postgres, which is the truth (it is written in the same transaction as the decisions).
  const stateCache = new Map<number, AccountStateCache>();

  let rules: ActiveRules | null = null;
  let watcher: RuleSetWatcher | null = null;
  const status: ScorerStatus = {
    state: 'idle',
    instanceId: config.scorer.instanceId,
    rulesVersion: null,
    policyVersion: basePolicyVersion,
    modelVersion: models.current()?.version ?? null,
    backend: deps.backend ?? null,
    kafkaClient: transport.client,
    assignedPartitions: [],
    joinedGroup: false,
    totals: { decisions: 0, replayed: 0, duplicates: 0, deadLetters: 0, batches: 0, failures: 0, phasesMs: { read: 0, score: 0, persist: 0, publish: 0 } },
    lastBatchAt: null,
    lastError: null,
  };

  async function activateRules(ruleSet: RuleSet): Promise<void> {
    const evaluate = createRuleEvaluator(ruleSet);
    await recordRuleSetActivation(pool, ruleSet, config.scorer.instanceId);
    // Swapped as one reference: a batch captures `rules` once, so it never mixes two rule sets.
    rules = { ruleSet, evaluate };
    status.rulesVersion = ruleSet.version;
    logger.info({ rulesVersion: ruleSet.version, rules: ruleSet.rules.length }, 'rule set activated');
    events.emit('rules.activated', { version: ruleSet.version });
  }

  function cacheFor(partition: number): AccountStateCache {
    let cache = stateCache.get(partition);
    if (cache === undefined) {
      cache = new AccountStateCache(Math.ceil(config.scorer.cachedAccounts / Math.max(1, config.kafka.partitions)));
      stateCache.set(partition, cache);
    }
    return cache;
  }

  /** The state of each of these accounts that has one: from this partition's cache, the rest from Postgres. */
  async function statesFor(partition: number, accountIds: string[]): Promise<Map<string, AccountState>> {
    const cache = cacheFor(partition);
    const states = new Map<string, AccountState>();
    const missing: string[] = [];
    for (const id of new Set(accountIds)) {
      const cached = cache.get(id);
      if (cached === undefined) missing.push(id);
      else states.set(id, cached);
    }
    for (const [id, state] of await loadAccountStates(pool, missing)) states.set(id, state);
    return states;
  }

  /**
   * One chunk, exactly once: decide, commit to Postgres (idempotent by transaction id), then commit
   * the decisions, dead letters and input offsets together in one Kafka transaction. A crash between
   * the two commits replays the chunk; Postgres then holds its decisions, which are re-sent as they
   * were rather than decided again.
   */
  async function processChunk(partition: number, records: SourceRecord[]): Promise<BatchReport> {
    const started = performance.now();
    const phasesMs: BatchPhases = { read: 0, score: 0, persist: 0, publish: 0 };
    let phaseStart = started;
    const phaseEnds = (phase: keyof BatchPhases) => {
      const now = performance.now();
      phasesMs[phase] += now - phaseStart;
      phaseStart = now;
    };
    const active = rules;
    if (active === null) throw new Error('no rule set is active');
    // Start (and so fence any previous owner of) this partition's producer before reading what is
    // stored: a zombie that was fenced can no longer commit decisions we are about to re-send.
    await transport.claim(partition);
    const last = records[records.length - 1]!;
    const report = (firstOffset: string, counts: Pick<BatchReport, 'decisions' | 'replayed' | 'duplicates' | 'deadLetters'>): BatchReport => ({
      partition,
      firstOffset,
      lastOffset: last.offset,
      ...counts,
      rulesVersion: active.ruleSet.version,
      durationMs: performance.now() - started,
      phasesMs,
    });
    if (uncertainPartitions.has(partition)) {
      const committed = await transport.committedOffset(partition);
      uncertainPartitions.delete(partition);
      // Records below the committed offset were published and committed by the attempt that looked
      // failed; sending their stored decisions again would duplicate them on `decisions`.
      records = records.filter((record) => BigInt(record.offset) >= committed);
      if (records.length === 0) {
        logger.info({ partition, lastOffset: last.offset }, 'batch was already committed; skipping it');
        return report(last.offset, { decisions: 0, replayed: 0, duplicates: 0, deadLetters: 0 });
      }
    }
    const parsed = parseRecords(records, nowMs(), config.limits);
    const transactions = validTransactions(parsed);
    const [stored, states] = await Promise.all([
      findStoredDecisions(pool, transactions.map((tx) => tx.id)),
      statesFor(partition, transactions.map((tx) => tx.accountId)),
    ]);
    const { policy, version: currentPolicyVersion } = await policyFor(partition);
    const model = models.acquire();
    let scored: Awaited<ReturnType<typeof scoreBatch>>;
    try {
      const historyDays = model?.featureSpec.labelHistoryDays ?? { merchant: 0, account: 0 };
      const firstDay = Math.min(...transactions.map((tx) => utcDay(Date.parse(tx.timestamp))));
      const labelRecords =
        historyDays.merchant > 0 || historyDays.account > 0
          ? await Promise.all([
              loadLabelRecords(pool, 'merchant', historyDays.merchant > 0 ? transactions.map((tx) => tx.merchantId) : [], firstDay - historyDays.merchant),
              loadLabelRecords(pool, 'account', historyDays.account > 0 ? transactions.map((tx) => tx.accountId) : [], firstDay - historyDays.account),
            ]).then(([merchants, accounts]) => ({ merchants, accounts }))
          : undefined;
      phaseEnds('read');
      scored = await scoreBatch(parsed, stored, states, {
        ...(labelRecords ? { labelRecords } : {}),
        policy,
        policyVersion: currentPolicyVersion,
        evaluateRules: active.evaluate,
        rulesVersion: active.ruleSet.version,
        model,
        nowMs,
      });
      phaseEnds('score');
    } finally {
      models.release(model);
    }
    await withTransaction(pool, (client) =>
      persistScoredBatch(client, scored, {
        scorerInstance: config.scorer.instanceId,
        topic: inputTopic,
        partition,
        firstOffset: records[0]!.offset,
        lastOffset: last.offset,
      }),
    );
    phaseEnds('persist');
    const cache = cacheFor(partition);
    for (const [accountId, state] of scored.states) cache.set(accountId, state);
    await transport.commit(partition, batchMessages(config.topics, scored), BigInt(last.offset) + 1n);
    phaseEnds('publish');
    const budget = budgets.get(partition)?.budget;
    for (const { decision, transaction } of scored.decisions) budget?.observe(decision, Date.parse(transaction.timestamp));
    return report(records[0]!.offset, {
      decisions: scored.decisions.length,
      replayed: scored.replayed.length,
      duplicates: scored.duplicates.length,
      deadLetters: scored.deadLetters.length,
    });
  }

  /**
   * The policy for the next batch of `partition`: the configured one, or, with a review budget, the
   * configured one with the threshold where this partition's controller wants it. Each new policy
   * version is recorded once, so every decision's version can be looked up with its threshold.
   */
  async function policyFor(partition: number): Promise<{ policy: PolicyConfig; version: string }> {
    if (config.reviewBudget === null) return { policy: config.policy, version: basePolicyVersion };
    let current = budgets.get(partition);
    if (current === undefined) {
      current = { budget: createReviewBudget(config.reviewBudget, 1 / Math.max(1, config.kafka.partitions)), policy: config.policy, version: basePolicyVersion };
      budgets.set(partition, current);
    }
    const threshold = current.budget.threshold();
    if (threshold !== null && threshold !== current.policy.confidenceThreshold) {
      const policy = { ...config.policy, confidenceThreshold: threshold };
      const version = policyVersion(policy);
      if (!recordedPolicies.has(version)) {
        await recordPolicyVersion(pool, policy, config.scorer.instanceId);
        recordedPolicies.add(version);
      }
      logger.debug({ partition, from: current.policy.confidenceThreshold, to: threshold, policyVersion: version }, 'review budget moved the confidence threshold');
      current.policy = policy;
      current.version = version;
    }
    status.policyVersion = current.version;
    return current;
  }

  async function process(partition: number, records: SourceRecord[]): Promise<void> {
    try {
      const report = await processChunk(partition, records);
      status.totals.decisions += report.decisions;
      status.totals.replayed += report.replayed;
      status.totals.duplicates += report.duplicates;
      status.totals.deadLetters += report.deadLetters;
      status.totals.batches += 1;
      for (const phase of Object.keys(report.phasesMs) as Array<keyof BatchPhases>) status.totals.phasesMs[phase] += report.phasesMs[phase];
      status.lastBatchAt = new Date().toISOString();
      events.emit('batch', report);
    } catch (error) {
      // Postgres may or may not have committed: forget what we cached and start this partition's
      // producer afresh. The transport delivers the records again from the committed offset.
      stateCache.delete(partition);
      uncertainPartitions.add(partition);
      await transport.release(partition);
      status.totals.failures += 1;
      status.lastError = (error as Error).message;
      logger.warn({ partition, offset: records[0]?.offset, err: error }, 'batch failed; will retry');
      events.emit('batch.failed', { partition, error: error as Error });
      throw error;
    }
  }

  const handlers: ConsumerHandlers = {
    process,
    assigned(partitions) {
      status.assignedPartitions = partitions;
      status.joinedGroup = true;
      for (const partition of stateCache.keys()) if (!partitions.includes(partition)) stateCache.delete(partition);
      logger.info({ partitions, kafkaClient: transport.client }, 'joined consumer group');
    },
    lost(error) {
      status.joinedGroup = false;
      status.lastError = error.message;
      stateCache.clear();
      for (const partition of status.assignedPartitions) uncertainPartitions.add(partition);
    },
    rebuilt(attempt) {
      events.emit('consumer.rebuilt', { attempt });
    },
  };

  return {
    events,
    useModel(model) {
      const previous = models.swap(model);
      status.modelVersion = model.version;
      logger.info({ modelVersion: model.version, previous }, 'model swapped in; batches from now on use it');
    },
    status: () => ({ ...status, totals: { ...status.totals, phasesMs: { ...status.totals.phasesMs } }, assignedPartitions: [...status.assignedPartitions] }),

    async start() {
      if (status.state !== 'idle') throw new Error(`scorer cannot start from state ${status.state}`);
      status.state = 'starting';
      await recordPolicyVersion(pool, config.policy, config.scorer.instanceId);
      recordedPolicies.add(basePolicyVersion);
      await activateRules(await loadRuleSet(config.rulesDir));
      watcher = watchRuleSet(config.rulesDir, rules!.ruleSet.version, {
        onChange: activateRules,
        onRefused: (error) => {
          logger.error({ err: error, rulesVersion: status.rulesVersion }, 'rule files refused; the previous rule set keeps serving');
          events.emit('rules.refused', { error });
        },
      });

      await transport.start(handlers);
      status.state = 'running';
      logger.info({ topic: inputTopic, groupId: config.scorer.groupId, rulesVersion: status.rulesVersion }, 'scorer started');
    },

    async stop() {
      if (status.state === 'stopped' || status.state === 'idle') return;
      status.state = 'stopping';
      watcher?.close();
      await transport.stop();
      models.dispose();
      status.joinedGroup = false;
      status.state = 'stopped';
      logger.info(status.totals, 'scorer stopped');
    },
  };
}
