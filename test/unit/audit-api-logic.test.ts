import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildSchema, parse, validate, type GraphQLError } from 'graphql';
import { FIELD_PERMISSIONS, GRANTS, permissionFor } from '../../services/audit/access.ts';
import { AUDIT_SCHEMA_SDL } from '../../services/audit/app.ts';
import { batchLoader } from '../../services/audit/batch-loader.ts';
import { decodeCursor, encodeCursor, parsePage, toConnection } from '../../services/audit/pagination.ts';
import { queryLimitsRule } from '../../services/audit/query-limits.ts';
import { compareOutcomes, type ReplayOutcome } from '../../services/audit/replay-decision.ts';
import { z } from 'zod';

const schema = buildSchema(AUDIT_SCHEMA_SDL);
const limits = { maxDepth: 6, maxCost: 500, maxPageSize: 100 };
const refusal = (query: string, maxDepth = limits.maxDepth): string | undefined =>
  (validate(schema, parse(query), [queryLimitsRule({ ...limits, maxDepth })]) as GraphQLError[]).map((error) => error.extensions['code'] as string)[0];

describe('audit API query limits', () => {
  it('counts depth through fragments and inline fragments', () => {
    assert.equal(refusal('{ decision(transactionId: "x") { labels { edges { node { id } } } } }'), undefined);
    assert.equal(refusal('{ decision(transactionId: "x") { labels { edges { node { decision { transactionId } } } } } }'), undefined);
    assert.equal(refusal('{ decision(transactionId: "x") { labels { edges { node { decision { modelVersion { id } } } } } } }'), 'QUERY_TOO_DEEP');
    assert.equal(
      refusal('query { decision(transactionId: "x") { ...L } } fragment L on Decision { labels { edges { node { ... on Label { decision { modelVersion { id } } } } } } }'),
      'QUERY_TOO_DEEP',
    );
  });

  it('multiplies by page sizes: given, default (20), and the largest for a variable', () => {
    // decisions(first: 4): 1 + 4 * (edges 1 + node 1 + 2 fields) = 17
    assert.equal(refusal('{ decisions(first: 4) { edges { node { transactionId action } } } }', 10), undefined);
    // default 20 pages of labels inside 20 decisions: 1 + 20 * (1 + 1 + (1 + 20 * (1 + 1 + 1))) = 1281
    assert.equal(refusal('{ decisions { edges { node { labels { edges { node { id } } } } } } }', 10), 'QUERY_TOO_COSTLY');
    assert.equal(refusal('{ decisions(first: 3) { edges { node { labels(first: 3) { edges { node { id } } } } } } }', 10), undefined);
    assert.equal(refusal('query ($n: Int) { decisions(first: $n) { edges { node { transactionId action probability confidence decidedBy } } } }', 10), 'QUERY_TOO_COSTLY');
    // Introspection is bounded by the schema and not counted.
    assert.equal(refusal('{ __schema { types { name fields { name } } } }', 10), undefined);
  });

  it('stops at fragment cycles instead of looping (graphql reports the cycle itself)', () => {
    const document = parse('{ decision(transactionId: "x") { ...A } } fragment A on Decision { modelVersion { decisions { edges { node { ...A } } } } }');
    const errors = validate(schema, document, [queryLimitsRule(limits)]);
    assert.ok(Array.isArray(errors));
  });
});

describe('audit API access', () => {
  it('names only fields that exist, and gives analysts read alone', () => {
    for (const key of Object.keys(FIELD_PERMISSIONS)) {
      const [type, field] = key.split('.') as [string, string];
      const named = schema.getType(type) as { getFields?: () => Record<string, unknown> } | undefined;
      assert.ok(named?.getFields?.()[field], `${key} is in the schema`);
    }
    assert.deepEqual([...GRANTS.analyst], ['read']);
    assert.equal(permissionFor('Decision', 'probability'), 'read');
    assert.equal(permissionFor('Label', 'note'), 'personal-data');
    for (const role of ['auditor', 'admin'] as const) assert.ok(GRANTS[role].has('personal-data') && GRANTS[role].has('audit-log') && GRANTS[role].has('replay'));
    assert.ok(GRANTS.admin.has('tokens') && !GRANTS.auditor.has('tokens'));
  });
});

describe('audit API pagination', () => {
  it('round-trips cursors and refuses foreign ones and bad pages', () => {
    const shape = z.tuple([z.iso.datetime(), z.string()]);
    const cursor = encodeCursor(['2026-11-24T10:00:00.123456Z', 'tx-1']);
    assert.deepEqual(decodeCursor(cursor, shape), ['2026-11-24T10:00:00.123456Z', 'tx-1']);
    assert.throws(() => decodeCursor(encodeCursor(['42']), shape), /not a cursor of this list/);
    assert.throws(() => decodeCursor('%%%', shape), /not a cursor/);
    assert.throws(() => parsePage({ first: 101 }), /at most 100/);
    assert.throws(() => parsePage({ first: 0 }), /at least 1/);
    assert.equal(parsePage({}).first, 20);
  });

  it('builds a page from first + 1 rows', () => {
    const page = toConnection([1, 2, 3], { first: 2 }, (n) => [n]);
    assert.deepEqual(page.edges.map((edge) => edge.node), [1, 2]);
    assert.equal(page.pageInfo.hasNextPage, true);
    assert.equal(page.pageInfo.endCursor, encodeCursor([2]));
    assert.deepEqual(toConnection([], { first: 2 }, (n: number) => [n]).pageInfo, { hasNextPage: false, endCursor: null });
  });
});

describe('replay comparison', () => {
  const stored: ReplayOutcome = { action: 'review', decidedBy: 'threshold', probability: 0.31, confidence: 0.38, ruleHits: ['a', 'b'], anomalyError: 2.5, anomalyPercentile: 0.97 };

  it('agrees within the tolerance, and names each part that differs', () => {
    assert.deepEqual(compareOutcomes(stored, { ...stored, probability: 0.31 + 1e-9, anomalyError: 2.5 * (1 + 1e-7) }), []);
    const differences = compareOutcomes(stored, { ...stored, action: 'approve', probability: 0.2, ruleHits: ['a'], anomalyPercentile: null });
    assert.deepEqual(
      differences.map((line) => line.split(':')[0]),
      ['action', 'probability', 'ruleHits', 'anomaly.percentile'],
    );
    assert.match(differences[0]!, /stored "review", replayed "approve"/);
  });
});

describe('batch loader', () => {
  it('loads the keys of one turn in one call, each once, and keeps nothing afterwards', async () => {
    const calls: string[][] = [];
    const load = batchLoader(async (keys: readonly string[]) => {
      calls.push([...keys]);
      return new Map(keys.filter((key) => key !== 'missing').map((key) => [key, key.toUpperCase()]));
    });
    assert.deepEqual(await Promise.all([load('a'), load('b'), load('a'), load('missing')]), ['A', 'B', 'A', null]);
    assert.deepEqual(await load('a'), 'A');
    assert.deepEqual(calls, [['a', 'b', 'missing'], ['a']]);
  });
});
