import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';
import type pg from 'pg';
import { z } from 'zod';
import { Action, Identifier, LabelValue } from '../domain/index.ts';
import { GRANTS, type AccessContext } from './access.ts';
import { listApiTokens } from './api-tokens.ts';
import { batchLoader } from './batch-loader.ts';
import { auditError } from './errors.ts';
import { keepMatching, type LiveFeed } from './live-feed.ts';
import type { ModelCache } from './model-cache.ts';
import { parsePage } from './pagination.ts';
import { listAuditEntries } from './queries/audit-entries.ts';
import { countDecisionsByAction, type DecisionNode, findDecisions, findReviewItems, listDecisions } from './queries/decisions.ts';
import { findLabels, type LabelNode, listLabels } from './queries/labels.ts';
import {
  findModelVersions,
  findPolicyVersions,
  findRuleSets,
  listModelVersions,
  listRuleSets,
  type ModelVersionNode,
  type PolicyVersionNode,
  type RuleSetNode,
} from './queries/versions.ts';
import { replayDecision } from './replay-decision.ts';
import { verifyAuditChain } from './verify-chain.ts';

export interface AuditContext extends AccessContext {
  pool: pg.Pool;
  models: ModelCache;
  live: LiveFeed | null;
  load: ReturnType<typeof createLoaders>;
}

/** Batching loaders for one request (see batch-loader.ts). */
export function createLoaders(db: Pick<pg.Pool, 'query'>) {
  return {
    decision: batchLoader((ids: readonly string[]) => findDecisions(db, ids)),
    reviewItem: batchLoader((ids: readonly string[]) => findReviewItems(db, ids)),
    label: batchLoader((ids: readonly string[]) => findLabels(db, ids)),
    model: batchLoader((ids: readonly string[]) => findModelVersions(db, ids)),
    ruleSet: batchLoader((versions: readonly string[]) => findRuleSets(db, versions)),
    policy: batchLoader((versions: readonly string[]) => findPolicyVersions(db, versions)),
  };
}

const DATE_TIME = z.iso.datetime({ offset: true });

const DateTime = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO 8601 date and time with an offset, e.g. 2026-11-24T09:30:00Z.',
  serialize: (value) => (value instanceof Date ? value.toISOString() : DATE_TIME.parse(value)),
  parseValue: (value) => {
    const parsed = DATE_TIME.safeParse(value);
    if (!parsed.success) throw new GraphQLError('DateTime must be ISO 8601 with an offset, e.g. 2026-11-24T09:30:00Z');
    return parsed.data;
  },
  parseLiteral: (ast) => {
    const parsed = DATE_TIME.safeParse(ast.kind === Kind.STRING ? ast.value : null);
    if (!parsed.success) throw new GraphQLError('DateTime must be ISO 8601 with an offset, e.g. 2026-11-24T09:30:00Z');
    return parsed.data;
  },
});

const Json = new GraphQLScalarType({
  name: 'JSON',
  description: 'A JSON value, as stored.',
  serialize: (value) => value,
  parseValue: () => {
    throw new GraphQLError('JSON values are output only');
  },
  parseLiteral: () => {
    throw new GraphQLError('JSON values are output only');
  },
});

/** Filter arguments, checked with the domain's schemas beyond what GraphQL's types say. */
function parseArgs<T extends z.ZodType>(schema: T, value: unknown): z.infer<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    throw auditError('BAD_USER_INPUT', parsed.error.issues.map((issue) => `${issue.path.join('.') || 'argument'}: ${issue.message}`).join('; '));
  }
  return parsed.data;
}

const TimeRange = { from: z.string().nullish(), to: z.string().nullish() };
const DecisionFilterArgs = z.object({
  accountId: Identifier.nullish(),
  action: Action.nullish(),
  ruleHit: z.string().max(80).nullish(),
  modelVersion: z.string().max(200).nullish(),
  ...TimeRange,
});
const LabelFilterArgs = z.object({
  transactionId: Identifier.nullish(),
  label: LabelValue.nullish(),
  source: z.enum(['review', 'chargeback']).nullish(),
  ...TimeRange,
});
const AuditFilterArgs = z.object({
  kind: z.string().max(100).nullish(),
  actor: z.string().max(200).nullish(),
  subject: z.string().max(300).nullish(),
  ...TimeRange,
});
const Analyst = z.string().min(1).max(128);

type PageArgs = { first?: number | null; after?: string | null };

const metricChanges = (parent: Record<string, number>, child: Record<string, number>) =>
  [...new Set([...Object.keys(parent), ...Object.keys(child)])].sort().map((name) => ({ name, parent: parent[name] ?? null, value: child[name] ?? null }));

const sameJson = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export const resolvers = {
  DateTime,
  JSON: Json,
  Action: { APPROVE: 'approve', DECLINE: 'decline', REVIEW: 'review' },
  LabelValue: { FRAUD: 'fraud', LEGIT: 'legit' },
  LabelSource: { REVIEW: 'review', CHARGEBACK: 'chargeback' },
  ModelStatus: { CANDIDATE: 'candidate', CHAMPION: 'champion', REJECTED: 'rejected', RETIRED: 'retired' },

  Query: {
    viewer: (_: unknown, __: unknown, { principal }: AuditContext) => ({ name: principal!.name, role: principal!.role, permissions: [...GRANTS[principal!.role]] }),
    decision: (_: unknown, args: { transactionId: string }, { load }: AuditContext) => load.decision(parseArgs(Identifier, args.transactionId)),
    decisions: (_: unknown, args: PageArgs & { filter?: unknown }, { pool }: AuditContext) =>
      listDecisions(pool, parseArgs(DecisionFilterArgs, args.filter ?? {}), parsePage(args)),
    labels: (_: unknown, args: PageArgs & { filter?: unknown }, { pool }: AuditContext) =>
      listLabels(pool, parseArgs(LabelFilterArgs, args.filter ?? {}), parsePage(args)),
    labelsByAnalyst: (_: unknown, args: PageArgs & { analyst: string; from?: string | null; to?: string | null }, { pool }: AuditContext) =>
      listLabels(pool, { analyst: parseArgs(Analyst, args.analyst), from: args.from, to: args.to }, parsePage(args)),
    modelVersion: (_: unknown, args: { id: string }, { load }: AuditContext) => load.model(args.id),
    modelVersions: (_: unknown, args: PageArgs & { status?: string | null }, { pool }: AuditContext) => listModelVersions(pool, args.status ?? null, parsePage(args)),
    ruleSet: (_: unknown, args: { version: string }, { load }: AuditContext) => load.ruleSet(args.version),
    ruleSets: (_: unknown, args: PageArgs, { pool }: AuditContext) => listRuleSets(pool, parsePage(args)),
    policyVersion: (_: unknown, args: { version: string }, { load }: AuditContext) => load.policy(args.version),
    auditEntries: (_: unknown, args: PageArgs & { filter?: unknown }, { pool }: AuditContext) =>
      listAuditEntries(pool, parseArgs(AuditFilterArgs, args.filter ?? {}), parsePage(args)),
    verifyAuditChain: async (_: unknown, __: unknown, { pool }: AuditContext) => {
      const result = await verifyAuditChain(pool);
      return { ...result, headSeq: result.head.seq, headHash: result.head.hash };
    },
    replay: async (_: unknown, args: { transactionId: string }, { load, pool, models }: AuditContext) => {
      const decision = await load.decision(parseArgs(Identifier, args.transactionId));
      if (!decision) throw auditError('NOT_FOUND', `no decision for transaction ${args.transactionId}`);
      return replayDecision(decision, { db: pool, loadModel: (id) => models.get(id) });
    },
    apiTokens: (_: unknown, args: PageArgs, { pool }: AuditContext) => listApiTokens(pool, parsePage(args)),
  },

  Subscription: {
    decisionMade: {
      subscribe: (_: unknown, args: { action?: string | null; accountId?: string | null }, { live }: AuditContext) => {
        if (!live) throw auditError('UNAVAILABLE', 'this audit API runs without the live feed');
        return keepMatching(live.subscribeDecisions(), (decision) => (!args.action || decision.action === args.action) && (!args.accountId || decision.accountId === args.accountId));
      },
      // The topic carries the decision after it is committed, so the stored row is always there.
      resolve: async (event: { transactionId: string }, _: unknown, { load }: AuditContext) => {
        const decision = await load.decision(event.transactionId);
        if (!decision) throw auditError('NOT_FOUND', `decision ${event.transactionId} is on the topic but not in the database`);
        return decision;
      },
    },
    labelRecorded: {
      subscribe: (_: unknown, args: { accountId?: string | null; label?: string | null }, { live, load }: AuditContext) => {
        if (!live) throw auditError('UNAVAILABLE', 'this audit API runs without the live feed');
        return keepMatching(live.subscribeLabels(), async (label) => {
          if (args.label && label.label !== args.label) return false;
          if (!args.accountId) return true;
          return (await load.decision(label.transactionId))?.accountId === args.accountId;
        });
      },
      resolve: async (event: { id: number }, _: unknown, { load }: AuditContext) => {
        const label = await load.label(String(event.id));
        if (!label) throw auditError('NOT_FOUND', `label ${event.id} is on the topic but not in the database`);
        return label;
      },
    },
  },

  Decision: {
    confidenceThreshold: async (decision: DecisionNode, _: unknown, { load }: AuditContext) =>
      (await load.policy(decision.policyVersion))?.params.confidenceThreshold ?? null,
    features: async (decision: DecisionNode, _: unknown, { load }: AuditContext) => {
      if (decision.featureVector === null || decision.modelVersion === null) return null;
      const model = await load.model(decision.modelVersion);
      const names = (model?.architecture as { featureNames?: string[] } | undefined)?.featureNames ?? [];
      return decision.featureVector.map((value, i) => ({ name: names[i] ?? `feature_${i}`, value }));
    },
    modelVersion: (decision: DecisionNode, _: unknown, { load }: AuditContext) => (decision.modelVersion ? load.model(decision.modelVersion) : null),
    ruleSet: (decision: DecisionNode, _: unknown, { load }: AuditContext) => load.ruleSet(decision.rulesVersion),
    policy: (decision: DecisionNode, _: unknown, { load }: AuditContext) => load.policy(decision.policyVersion),
    reviewItem: (decision: DecisionNode, _: unknown, { load }: AuditContext) => load.reviewItem(decision.transactionId),
    labels: (decision: DecisionNode, args: PageArgs, { pool }: AuditContext) => listLabels(pool, { transactionId: decision.transactionId }, parsePage(args)),
    currentLabel: async (decision: DecisionNode, _: unknown, { pool }: AuditContext) =>
      (await listLabels(pool, { transactionId: decision.transactionId }, { first: 1 })).edges[0]?.node ?? null,
    auditEntries: async (decision: DecisionNode, args: PageArgs, { pool, load }: AuditContext) => {
      const item = await load.reviewItem(decision.transactionId);
      return listAuditEntries(pool, { touching: { transactionId: decision.transactionId, reviewItemId: item?.id ?? null } }, parsePage(args));
    },
  },

  Label: {
    corrects: (label: LabelNode, _: unknown, { load }: AuditContext) => (label.corrects ? load.label(label.corrects) : null),
    decision: (label: LabelNode, _: unknown, { load }: AuditContext) => load.decision(label.transactionId),
  },

  ModelVersion: {
    parent: (model: ModelVersionNode, _: unknown, { load }: AuditContext) => (model.parentId ? load.model(model.parentId) : null),
    changes: async (model: ModelVersionNode, _: unknown, { load }: AuditContext) => {
      const parent = model.parentId ? await load.model(model.parentId) : null;
      if (!parent) return null;
      return {
        parent,
        featureSpecChanged: parent.featureSpecVersion !== model.featureSpecVersion,
        architectureChanged: !sameJson(parent.architecture, model.architecture),
        weightsChanged: parent.weightsSha256 !== model.weightsSha256,
        headChanged: !sameJson(parent.head, model.head),
        metrics: metricChanges(parent.metrics, model.metrics),
      };
    },
    decisionCounts: (model: ModelVersionNode, _: unknown, { pool }: AuditContext) => countDecisionsByAction(pool, model.id),
    decisions: (model: ModelVersionNode, args: PageArgs, { pool }: AuditContext) => listDecisions(pool, { modelVersion: model.id }, parsePage(args)),
    auditEntries: (model: ModelVersionNode, args: PageArgs, { pool }: AuditContext) => listAuditEntries(pool, { subject: model.id }, parsePage(args)),
  },

  RuleSet: {
    rules: (ruleSet: RuleSetNode) =>
      ruleSet.rules.map((rule) => ({ name: rule.name, type: rule.event.type, reason: rule.event.params.reason, weight: rule.event.params.weight ?? null, conditions: rule.conditions })),
    activations: (ruleSet: RuleSetNode, args: PageArgs, { pool }: AuditContext) =>
      listAuditEntries(pool, { kind: 'rules.activated', subject: ruleSet.version }, parsePage(args)),
  },

  PolicyVersion: {
    priorFraudRate: (policy: PolicyVersionNode) => policy.params.priorFraudRate,
    confidenceThreshold: (policy: PolicyVersionNode) => policy.params.confidenceThreshold,
    anomalyWeight: (policy: PolicyVersionNode) => policy.params.anomalyWeight,
    approveCeiling: (policy: PolicyVersionNode) => policy.params.approveCeiling,
  },

  ApiToken: {
    id: (token: { tokenId: string }) => token.tokenId,
  },
};
