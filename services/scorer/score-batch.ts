import type { AccountState, DeadLetter, Decision, Transaction } from '../domain/index.ts';
import { type ParsedTransaction, parseTransaction, type TransactionLimits } from '../domain/index.ts';
import { applyTransaction, deriveFacts, emptyAccountState, type TransactionFacts } from '../features/account-state.ts';
import { decide, type PolicyConfig } from '../policy/decide.ts';
import type { RuleEvaluator } from '../rules/evaluate.ts';

/** A record as read from the `transactions` topic. */
export interface SourceRecord {
  topic: string;
  partition: number;
  offset: string;
  key: Buffer | null;
  value: Buffer | null;
  /** Broker/producer timestamp in ms, as a string (kafkajs' form). */
  timestamp: string;
}

export interface SourceRef {
  topic: string;
  partition: number;
  offset: string;
}

/** A record with its validation result, so ids can be looked up before anything is decided. */
export interface ParsedRecord {
  record: SourceRecord;
  parsed: ParsedTransaction;
}

/** A decision already in Postgres for a transaction id seen in this batch. */
export interface StoredDecision {
  decision: Decision;
  source: SourceRef;
}

export interface NewDecision {
  decision: Decision;
  transaction: Transaction;
  facts: TransactionFacts;
  source: SourceRef;
}

export interface ScoredBatch {
  decisions: NewDecision[];
  /** Stored decisions for records already decided: a replay after a crash before the Kafka commit. */
  replayed: Decision[];
  /** A transaction id decided before from a different record: no second decision. */
  duplicates: Array<{ transactionId: string; source: SourceRef }>;
  deadLetters: Array<{ key: Buffer | null; letter: DeadLetter }>;
  /** The state after this batch of every account it touched with a new decision. */
  states: Map<string, AccountState>;
}

export interface ScoringContext {
  policy: PolicyConfig;
  policyVersion: string;
  evaluateRules: RuleEvaluator;
  rulesVersion: string;
  modelVersion: string | null;
  nowMs: () => number;
}

const sameSource = (a: SourceRef, b: SourceRef) =>
  a.topic === b.topic && a.partition === b.partition && a.offset === b.offset;

export function parseRecords(records: readonly SourceRecord[], nowMs: number, limits: TransactionLimits): ParsedRecord[] {
  return records.map((record) => ({ record, parsed: parseTransaction(record.value, nowMs, limits) }));
}

/** The valid transactions of a parsed batch. */
export const validTransactions = (records: readonly ParsedRecord[]): Transaction[] =>
  records.flatMap(({ parsed }) => (parsed.ok ? [parsed.transaction] : []));

/**
 * Deduplicates and decides one parsed batch, in offset order. Does no I/O: the decisions already
 * stored for the batch's ids and the state of its accounts are passed in.
 */
export async function scoreBatch(
  records: readonly ParsedRecord[],
  stored: ReadonlyMap<string, StoredDecision>,
  states: ReadonlyMap<string, AccountState>,
  context: ScoringContext,
): Promise<ScoredBatch> {
  const result: ScoredBatch = { decisions: [], replayed: [], duplicates: [], deadLetters: [], states: new Map() };
  const decidedInBatch = new Set<string>();

  for (const { record, parsed } of records) {
    const source: SourceRef = { topic: record.topic, partition: record.partition, offset: record.offset };
    if (!parsed.ok) {
      result.deadLetters.push({
        key: record.key,
        letter: {
          reason: parsed.reason,
          issues: parsed.issues,
          source: { ...source, key: record.key?.toString('utf8') ?? null, timestamp: record.timestamp },
          originalBase64: record.value?.toString('base64') ?? '',
          originalBytes: record.value?.length ?? 0,
          rejectedAt: new Date(context.nowMs()).toISOString(),
        },
      });
      continue;
    }
    const tx = parsed.transaction;
    const previous = stored.get(tx.id);
    if (previous !== undefined) {
      if (sameSource(previous.source, source)) result.replayed.push(previous.decision);
      else result.duplicates.push({ transactionId: tx.id, source });
      continue;
    }
    if (decidedInBatch.has(tx.id)) {
      result.duplicates.push({ transactionId: tx.id, source });
      continue;
    }
    decidedInBatch.add(tx.id);

    const state = result.states.get(tx.accountId) ?? states.get(tx.accountId) ?? emptyAccountState();
    const facts = deriveFacts(state, tx);
    const ruleHits = await context.evaluateRules(facts);
    const outcome = decide({ ruleHits, anomalyPercentile: null }, context.policy);
    const decidedAtMs = context.nowMs();
    result.decisions.push({
      transaction: tx,
      facts,
      source,
      decision: {
        transactionId: tx.id,
        accountId: tx.accountId,
        ...outcome,
        anomaly: null,
        ruleHits,
        modelVersion: context.modelVersion,
        rulesVersion: context.rulesVersion,
        policyVersion: context.policyVersion,
        decidedAt: new Date(decidedAtMs).toISOString(),
        latencyMs: Math.max(0, decidedAtMs - Number(record.timestamp)),
      },
    });
    result.states.set(tx.accountId, applyTransaction(state, tx));
  }
  return result;
}
