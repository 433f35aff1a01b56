import type { AccountState, DeadLetter, Decision, RuleHit, Transaction } from '../domain/index.ts';
import { type ParsedTransaction, parseTransaction, type TransactionLimits } from '../domain/index.ts';
import { type AccountFacts, applyTransaction, deriveAccountFacts, emptyAccountState, factsOf } from '../features/account-state.ts';
import type { PolicyConfig } from '../policy/decide.ts';
import { decideWithModel } from '../policy/decide-with-model.ts';
import type { AnomalyModel } from '../model/anomaly-model.ts';
import type { RuleEvaluator } from '../rules/evaluate.ts';
import { addToRecord, historyAt, type LabelRecord } from '../features/label-record.ts';
import { type DecisionDocuments, decisionDocuments } from './decision-documents.ts';

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
  documents: DecisionDocuments;
  transaction: Transaction;
  /** What the rules saw besides the transaction's own fields (factsOf joins them again). */
  accountFacts: AccountFacts;
  /** The model's input row, kept so the decision can be replayed; null in rules-only mode. */
  featureVector: number[] | null;
  featureSpecVersion: string | null;
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
  /** The anomaly model; null in rules-only mode. */
  model: AnomalyModel | null;
  /**
   * The labelled history of the batch's merchants and accounts, when the model's feature spec has
   * label-derived features (services/scorer/label-history-store.ts loads it). The merchants' day
   * counts are updated as the batch proceeds.
   */
  labelRecords?: { merchants: Map<string, LabelRecord>; accounts: Map<string, LabelRecord> };
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
 * Deduplicates and decides one parsed batch. Does no I/O: the decisions already stored for the
 * batch's ids and the state of its accounts are passed in. Facts, rule hits and feature rows are
 * taken in offset order (each account's state moves on transaction by transaction); the anomaly
 * model then scores all new rows at once, and the policy decides each transaction.
 */
export async function scoreBatch(
  records: readonly ParsedRecord[],
  stored: ReadonlyMap<string, StoredDecision>,
  states: ReadonlyMap<string, AccountState>,
  context: ScoringContext,
): Promise<ScoredBatch> {
  const result: ScoredBatch = { decisions: [], replayed: [], duplicates: [], deadLetters: [], states: new Map() };
  const decidedInBatch = new Set<string>();
  const { model } = context;
  const width = model?.featureSpec.names.length ?? 0;
  // Rows for every record at most; only the new transactions' rows are filled, in order.
  const featureRows = new Float32Array(model ? records.length * width : 0);
  const pending: Array<{ tx: Transaction; accountFacts: AccountFacts; source: SourceRef; record: SourceRecord; ruleHits: RuleHit[] }> = [];

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
    const accountFacts = deriveAccountFacts(state, tx);
    pending.push({ tx, accountFacts, source, record, ruleHits: context.evaluateRules(factsOf(tx, accountFacts)) });
    if (model) {
      const { merchant: merchantDays, account: accountDays } = model.featureSpec.labelHistoryDays;
      const merchant = merchantDays > 0 ? context.labelRecords?.merchants.get(tx.merchantId) : undefined;
      const account = accountDays > 0 ? context.labelRecords?.accounts.get(tx.accountId) : undefined;
      if ((merchantDays > 0 && merchant === undefined) || (accountDays > 0 && account === undefined)) {
        throw new Error(`labelled history of transaction ${tx.id}'s merchant or account was not loaded`);
      }
      const atMs = Date.parse(tx.timestamp);
      const histories = merchant || account ? { merchant: merchant && historyAt(merchant, atMs), account: account && historyAt(account, atMs) } : undefined;
      model.featureSpec.encode(state, tx, featureRows, (pending.length - 1) * width, histories);
      if (merchant) addToRecord(merchant, tx);
    }
    result.states.set(tx.accountId, applyTransaction(state, tx));
  }

  // One kernel call for the whole batch: the model is fast per batch and slow per row.
  const anomalies = model && pending.length > 0 ? model.assess(featureRows, pending.length) : [];
  pending.forEach(({ tx, accountFacts, source, record, ruleHits }, i) => {
    const anomaly = anomalies[i] ?? null;
    const features = featureRows.subarray(i * width, (i + 1) * width);
    const outcome = decideWithModel({ ruleHits, anomaly, features, head: model?.head ?? null }, context.policy);
    const decidedAtMs = context.nowMs();
    const decision: Decision = {
      transactionId: tx.id,
      accountId: tx.accountId,
      ...outcome,
      anomaly,
      ruleHits,
      modelVersion: model?.version ?? null,
      rulesVersion: context.rulesVersion,
      policyVersion: context.policyVersion,
      decidedAt: new Date(decidedAtMs).toISOString(),
      latencyMs: Math.max(0, decidedAtMs - Number(record.timestamp)),
    };
    result.decisions.push({
      decision,
      documents: decisionDocuments(decision),
      transaction: tx,
      accountFacts,
      source,
      featureVector: model ? Array.from(features) : null,
      featureSpecVersion: model?.featureSpec.version ?? null,
    });
  });
  return result;
}
