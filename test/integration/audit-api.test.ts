import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createApiToken, revokeApiToken } from '../../services/audit/api-tokens.ts';
import { type LiveFeed, startLiveFeed } from '../../services/audit/live-feed.ts';
import type { TransactionInput } from '../../services/domain/index.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { recordLabel } from '../../services/labels/record-label.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { withTransaction } from '../../services/platform/postgres.ts';
import { saveModelVersion } from '../../services/registry/model-queries.ts';
import type { StoredModel } from '../../services/registry/model-store.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { type AuditServer, createTokens, errorCodes, graphql, startAuditServer } from '../helpers/audit.ts';
import { testLogger } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { ordinaryTransaction, produceTransactions } from '../helpers/transactions.ts';

/** A transaction the hard-limit block rule declines whatever the model says. */
const overLimit = (i: number): TransactionInput => ordinaryTransaction(i, { id: `tx-block-${i}`, accountId: 'acct-blocked', amount: '150000.00' });

const within = <T>(promise: Promise<T>, what: string, ms = 30_000): Promise<T> =>
  Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms).unref())]);

/** Reads server-sent events of a GraphQL subscription until closed. */
async function subscribe(url: string, token: string, query: string) {
  const controller = new AbortController();
  const response = await fetch(url, {
    method: 'POST',
    headers: { accept: 'text/event-stream', 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query }),
    signal: controller.signal,
  });
  assert.equal(response.status, 200);
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  return {
    /** The next `next` event's payload. */
    async next(): Promise<{ data?: any; errors?: unknown[] }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = block.split('\n').filter((line) => line.startsWith('data:')).map((line) => line.slice(5).trim()).join('');
          if (block.includes('event: next') && data) return JSON.parse(data);
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('the subscription ended');
        buffer += value;
      }
    },
    close: () => controller.abort(),
  };
}

describe('GraphQL audit API on real Postgres and Kafka', () => {
  let fixture: PipelineFixture;
  let server: AuditServer;
  let live: LiveFeed;
  let tokens: Record<'auditor' | 'analyst' | 'admin', string>;
  let champion: StoredModel;
  let child: StoredModel;
  const weekStart = new Date(Date.now() - 7 * 86_400_000).toISOString();

  before(async () => {
    fixture = await setUpPipeline();
    const { db, config, producer } = fixture;
    await selectBackend('auto');
    const spec = await loadFeatureSpec('card-default');
    champion = await ensureChampion(db.pool, spec, { actor: 'test', count: 3000, logger: testLogger });

    const simulator = createSimulator({ seed: 11, accounts: 120, merchants: 40, startMs: Date.now() - 6 * 3_600_000, ratePerSecond: (120 * 4) / 86_400, fraudRate: 0 });
    const stream = [...simulator.take(150).map(({ transaction }) => transaction), overLimit(1), overLimit(2), overLimit(3)];
    await produceTransactions(producer, config.topics.transactions, stream);
    await fixture.scoreAll({ model: loadAnomalyModel(champion), backend: 'test' });

    // Two analysts confirm things: ana two frauds (one corrected later by ben), ben one legit.
    await withTransaction(db.pool, async (client) => {
      await recordLabel(client, { transactionId: 'tx-block-1', label: 'fraud', source: 'review', analyst: 'ana', note: 'card reported stolen' });
      const first = await recordLabel(client, { transactionId: 'tx-block-2', label: 'fraud', source: 'review', analyst: 'ana', note: 'first look' });
      await recordLabel(client, { transactionId: 'tx-block-2', label: 'legit', source: 'review', analyst: 'ben', note: 'customer confirmed', corrects: first.id });
    });

    // A child version of the champion, promoted with a reason: what "what did V change" reads.
    const weights = Buffer.from(champion.weights);
    weights.writeFloatLE(0.125, weights.length - 4);
    child = (await withTransaction(db.pool, (client) =>
      saveModelVersion(
        client,
        { ...champion, id: `${champion.id}-child`, parentId: champion.id, weights, metrics: { ...champion.metrics, averagePrecision: 0.5 } },
        'trainer-test',
        'test: held-out AP up',
      ),
    ))!;

    tokens = await createTokens(db.pool, ['auditor', 'analyst', 'admin']);
    live = await startLiveFeed({ kafka: fixture.kafka, topics: config.topics, logger: testLogger });
    server = await startAuditServer({ pool: db.pool, live });
  });
  after(async () => {
    await server.close();
    await live.stop();
    await fixture.teardown();
  });

  it('answers "why was transaction X declined": action, evidence, rules, model, policy, labels, audit', async () => {
    const response = await graphql(
      server.url,
      tokens.auditor,
      `query Why($tx: ID!) {
        decision(transactionId: $tx) {
          transactionId action decidedBy probability confidence confidenceThreshold
          ruleHits { rule type reason }
          evidence { source name logOdds }
          anomaly { percentile topFeatures { feature error } }
          features { name value }
          modelVersion { id status promotedBy reason }
          ruleSet { version firstLoadedBy rules { name } }
          policy { version confidenceThreshold approveCeiling }
          currentLabel { label analyst note corrects { label analyst } }
          labels { edges { node { label analyst } } }
          auditEntries { edges { node { kind actor } } }
        }
      }`,
      { tx: 'tx-block-2' },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const decision = response.body.data!.decision;
    const stored = (await fixture.db.pool.query('SELECT * FROM decisions WHERE transaction_id = $1', ['tx-block-2'])).rows[0];
    assert.equal(decision.action, 'DECLINE');
    assert.equal(decision.decidedBy, 'block_rule');
    assert.equal(decision.probability, stored.probability);
    assert.deepEqual(decision.ruleHits.map((hit: { rule: string }) => hit.rule), stored.rule_hits.map((hit: { rule: string }) => hit.rule));
    assert.ok(decision.ruleHits.some((hit: { rule: string; reason: string }) => hit.rule === 'amount-over-hard-limit' && hit.reason.includes('hard limit')));
    assert.equal(decision.anomaly.topFeatures.length, 5);
    assert.equal(decision.features.length, stored.feature_vector.length);
    assert.equal(decision.features[0].value, stored.feature_vector[0]);
    assert.equal(typeof decision.features[0].name, 'string');
    // The decision was made before the child existed; it names the champion of its time.
    assert.equal(decision.modelVersion.id, champion.id);
    assert.equal(decision.ruleSet.version, stored.rules_version);
    assert.ok(decision.ruleSet.rules.length > 5);
    assert.equal(decision.policy.version, stored.policy_version);
    assert.equal(decision.confidenceThreshold, decision.policy.confidenceThreshold);
    assert.deepEqual(decision.currentLabel, { label: 'LEGIT', analyst: 'ben', note: 'customer confirmed', corrects: { label: 'FRAUD', analyst: 'ana' } });
    assert.deepEqual(decision.labels.edges.map((edge: { node: { analyst: string } }) => edge.node.analyst), ['ben', 'ana']);
    const kinds = decision.auditEntries.edges.map((edge: { node: { kind: string } }) => edge.node.kind);
    assert.deepEqual(kinds, ['label.corrected', 'label.recorded', 'decisions.batch']);
  });

  it('answers "what did model version V change": parent, reason, who promoted, what differs', async () => {
    const response = await graphql(
      server.url,
      tokens.auditor,
      `query Changed($id: ID!) {
        modelVersion(id: $id) {
          id status reason promotedBy weightsSha256 head gatedHead
          parent { id status }
          changes { featureSpecChanged architectureChanged weightsChanged headChanged metrics { name parent value } }
          decisionCounts { approve decline review }
          auditEntries { edges { node { kind actor } } }
        }
        parentCounts: modelVersion(id: "${champion.id}") { decisionCounts { approve decline review } }
      }`,
      { id: child.id },
    );
    assert.equal(response.status, 200, JSON.stringify(response.body));
    const model = response.body.data!.modelVersion;
    assert.equal(model.status, 'CHAMPION');
    assert.equal(model.reason, 'test: held-out AP up');
    assert.equal(model.promotedBy, 'trainer-test');
    assert.deepEqual([model.head, model.gatedHead], [null, null], 'an autoencoder without a head');
    assert.deepEqual(model.parent, { id: champion.id, status: 'RETIRED' });
    assert.deepEqual(
      { ...model.changes, metrics: undefined },
      { featureSpecChanged: false, architectureChanged: false, weightsChanged: true, headChanged: false, metrics: undefined },
    );
    assert.deepEqual(model.changes.metrics.find((m: { name: string }) => m.name === 'averagePrecision'), {
      name: 'averagePrecision',
      parent: champion.metrics['averagePrecision'] ?? null,
      value: 0.5,
    });
    assert.deepEqual(model.decisionCounts, { approve: 0, decline: 0, review: 0 });
    const counts = response.body.data!.parentCounts.decisionCounts;
    assert.equal(counts.approve + counts.decline + counts.review, 153);
    assert.ok(counts.decline >= 3);
    assert.deepEqual(model.auditEntries.edges.map((edge: { node: { kind: string } }) => edge.node.kind), ['model.promoted', 'model.trained']);
  });

  it('answers "which analyst confirmed what this week", and keeps names and notes from analysts', async () => {
    const query = `query Week($from: DateTime!) {
      labelsByAnalyst(analyst: "ana", from: $from) { edges { node { label note analyst decision { transactionId action } } } }
    }`;
    const response = await graphql(server.url, tokens.auditor, query, { from: weekStart });
    assert.equal(response.status, 200, JSON.stringify(response.body));
    assert.deepEqual(
      response.body.data!.labelsByAnalyst.edges.map((edge: { node: unknown }) => edge.node),
      [
        { label: 'FRAUD', note: 'first look', analyst: 'ana', decision: { transactionId: 'tx-block-2', action: 'DECLINE' } },
        { label: 'FRAUD', note: 'card reported stolen', analyst: 'ana', decision: { transactionId: 'tx-block-1', action: 'DECLINE' } },
      ],
    );

    const asAnalyst = await graphql(server.url, tokens.analyst, query, { from: weekStart });
    assert.deepEqual(errorCodes(asAnalyst), ['FORBIDDEN']);
    const labels = await graphql(server.url, tokens.analyst, '{ labels(filter: { label: FRAUD }) { edges { node { label note analyst } } } }');
    assert.equal(labels.status, 403);
    assert.deepEqual(errorCodes(labels), ['FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN', 'FORBIDDEN']);
    assert.deepEqual(
      labels.body.data!.labels.edges.map((edge: { node: unknown }) => edge.node),
      [{ label: 'FRAUD', note: null, analyst: null }, { label: 'FRAUD', note: null, analyst: null }],
      'the refused fields are null, the rest is there',
    );
    const withoutPeople = await graphql(server.url, tokens.analyst, '{ labels(filter: { label: FRAUD }) { edges { node { label labeledAt decision { transactionId } } } } }');
    assert.equal(withoutPeople.body.errors, undefined);
    assert.equal(withoutPeople.body.data!.labels.edges.length, 2);
  });

  it('lists decisions by account, action, rule hit, model version and time, each as the database has them', async () => {
    const all = async (filter: string) => {
      const ids: string[] = [];
      for (let after: string | null = null; ; ) {
        const page: any = await graphql(
          server.url,
          tokens.analyst,
          `query Page($after: String) { decisions(filter: ${filter}, first: 40, after: $after) { edges { node { transactionId } } pageInfo { hasNextPage endCursor } } }`,
          { after },
        );
        assert.equal(page.body.errors, undefined, JSON.stringify(page.body.errors));
        ids.push(...page.body.data.decisions.edges.map((edge: { node: { transactionId: string } }) => edge.node.transactionId));
        if (!page.body.data.decisions.pageInfo.hasNextPage) return ids;
        after = page.body.data.decisions.pageInfo.endCursor;
      }
    };
    const sql = async (where: string, params: unknown[]) =>
      (await fixture.db.pool.query(`SELECT transaction_id FROM decisions WHERE ${where} ORDER BY decided_at DESC, transaction_id DESC`, params)).rows.map(
        (row: { transaction_id: string }) => row.transaction_id,
      );
    const busiest = (await fixture.db.pool.query('SELECT account_id FROM decisions GROUP BY account_id ORDER BY count(*) DESC LIMIT 1')).rows[0].account_id;
    assert.deepEqual(await all(`{ accountId: "${busiest}" }`), await sql('account_id = $1', [busiest]));
    assert.deepEqual(await all('{ action: DECLINE }'), await sql(`action = 'decline'`, []));
    const blocked = await all('{ ruleHit: "amount-over-hard-limit" }');
    assert.deepEqual(blocked, await sql(`rule_hits @> '[{"rule":"amount-over-hard-limit"}]'`, []));
    assert.deepEqual([...blocked].sort(), ['tx-block-1', 'tx-block-2', 'tx-block-3']);
    assert.equal((await all(`{ modelVersion: "${champion.id}" }`)).length, 153);
    const middle = (await fixture.db.pool.query(`SELECT decided_at FROM decisions ORDER BY decided_at LIMIT 1 OFFSET 70`)).rows[0].decided_at as Date;
    const from = middle.toISOString();
    assert.deepEqual(await all(`{ from: "${from}" }`), await sql('decided_at >= $1', [from]));
  });

  it('pages stably while decisions are inserted concurrently: every existing row once, none repeated', async () => {
    const existing = new Set((await fixture.db.pool.query('SELECT transaction_id FROM decisions')).rows.map((row: { transaction_id: string }) => row.transaction_id));
    const seen: string[] = [];
    let inserted = 0;
    for (let after: string | null = null; ; ) {
      // Between pages, new decisions arrive: newer ones, and one with an old timestamp.
      await fixture.db.pool.query(
        `INSERT INTO decisions (transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence, transaction, facts,
           feature_vector, model_version, rules_version, policy_version, event_time, decided_at, latency_ms, source_topic, source_partition, source_offset,
           scorer_instance, feature_spec_version)
         SELECT $1 || transaction_id, account_id, action, probability, confidence, decided_by, anomaly, rule_hits, evidence, transaction, facts,
           feature_vector, model_version, rules_version, policy_version, event_time, CASE WHEN $2 THEN decided_at - interval '1 day' ELSE now() END,
           latency_ms, source_topic, source_partition, source_offset, scorer_instance, feature_spec_version
           FROM decisions WHERE transaction_id = 'tx-block-1'`,
        [`new-${inserted}-`, inserted % 3 === 2],
      );
      inserted++;
      const page: any = await graphql(
        server.url,
        tokens.analyst,
        'query Page($after: String) { decisions(first: 17, after: $after) { edges { node { transactionId } } pageInfo { hasNextPage endCursor } } }',
        { after },
      );
      seen.push(...page.body.data.decisions.edges.map((edge: { node: { transactionId: string } }) => edge.node.transactionId));
      if (!page.body.data.decisions.pageInfo.hasNextPage) break;
      after = page.body.data.decisions.pageInfo.endCursor;
    }
    assert.equal(new Set(seen).size, seen.length, 'no row twice');
    for (const id of existing) assert.ok(seen.includes(id), `${id} was skipped`);
    assert.ok(inserted >= 9);
    await fixture.db.pool.query(`DELETE FROM decisions WHERE transaction_id LIKE 'new-%'`);
  });

  it('replays stored decisions with their recorded versions and finds they match; a doctored one does not', async () => {
    const ids = (await fixture.db.pool.query('SELECT transaction_id FROM decisions ORDER BY transaction_id')).rows.map((row: { transaction_id: string }) => row.transaction_id);
    assert.equal(ids.length, 153);
    const query = 'query Replay($tx: ID!) { replay(transactionId: $tx) { matches differences modelVersion stored { action probability } replayed { action probability anomalyPercentile } } }';
    for (const tx of ids) {
      const response = await graphql(server.url, tokens.auditor, query, { tx });
      assert.equal(response.body.errors, undefined, JSON.stringify(response.body.errors));
      const replay = response.body.data!.replay;
      assert.deepEqual(replay.differences, [], tx);
      assert.equal(replay.matches, true);
      assert.equal(replay.modelVersion, champion.id);
    }
    await fixture.db.pool.query(`UPDATE decisions SET probability = probability / 2, action = 'approve' WHERE transaction_id = 'tx-block-3'`);
    const doctored = (await graphql(server.url, tokens.auditor, query, { tx: 'tx-block-3' })).body.data!.replay;
    assert.equal(doctored.matches, false);
    assert.ok(doctored.differences.some((line: string) => line.startsWith('probability:')));
    assert.ok(doctored.differences.some((line: string) => line.startsWith('action:')));
    const missing = await graphql(server.url, tokens.auditor, query, { tx: 'no-such-tx' });
    assert.deepEqual(errorCodes(missing), ['NOT_FOUND']);
    assert.deepEqual(errorCodes(await graphql(server.url, tokens.analyst, query, { tx: ids[1] })), ['FORBIDDEN']);
  });

  it('refuses the unauthenticated, the unauthorised, and too deep, too costly or malformed queries, with clear codes', async () => {
    const { db } = fixture;
    const none = await graphql(server.url, null, '{ viewer { name } }');
    assert.equal(none.status, 401);
    assert.deepEqual(errorCodes(none), ['UNAUTHENTICATED']);
    const revoked = await createApiToken(db.pool, { name: 'gone', role: 'auditor', createdBy: 'test', expiresAt: null });
    await revokeApiToken(db.pool, revoked.id, 'test');
    const expired = await createApiToken(db.pool, { name: 'old', role: 'auditor', createdBy: 'test', expiresAt: new Date(Date.now() - 1000) });
    for (const token of [revoked.token, expired.token, 'loupe_not-a-token']) {
      const response = await graphql(server.url, token, '{ viewer { name } }');
      assert.equal(response.status, 401);
      assert.deepEqual(errorCodes(response), ['UNAUTHENTICATED']);
    }
    assert.deepEqual((await graphql(server.url, tokens.analyst, '{ viewer { role permissions } }')).body.data!.viewer, { role: 'analyst', permissions: ['read'] });
    assert.deepEqual(errorCodes(await graphql(server.url, tokens.auditor, '{ apiTokens { edges { node { name } } } }')), ['FORBIDDEN']);
    const listed = await graphql(server.url, tokens.admin, '{ apiTokens(first: 100) { edges { node { name role revokedAt } } } }');
    assert.ok(listed.body.data!.apiTokens.edges.some((edge: { node: { name: string; revokedAt: string | null } }) => edge.node.name === 'gone' && edge.node.revokedAt !== null));

    const deep = await graphql(
      server.url,
      tokens.auditor,
      '{ decision(transactionId: "tx-block-1") { labels { edges { node { decision { labels { edges { node { decision { labels { edges { node { id } } } } } } } } } } } } }',
    );
    assert.equal(deep.status, 400);
    assert.deepEqual(errorCodes(deep), ['QUERY_TOO_DEEP']);
    const costly = await graphql(server.url, tokens.auditor, '{ decisions(first: 100) { edges { node { labels(first: 100) { edges { node { id label } } } } } } }');
    assert.equal(costly.status, 400);
    assert.deepEqual(errorCodes(costly), ['QUERY_TOO_COSTLY']);
    assert.match(costly.body.errors![0]!.message, /limit is 10000/);
    const variablePage = await graphql(server.url, tokens.auditor, 'query($n: Int) { decisions(first: $n) { edges { node { labels(first: $n) { edges { node { id } } } } } } }', { n: 5 });
    assert.deepEqual(errorCodes(variablePage), ['QUERY_TOO_COSTLY'], 'a variable page counts as the largest page');

    const malformed = await graphql(server.url, tokens.auditor, '{ decisions(first: ) ');
    assert.equal(malformed.status, 400);
    assert.deepEqual(errorCodes(malformed), ['GRAPHQL_PARSE_FAILED']);
    const unknownField = await graphql(server.url, tokens.auditor, '{ decisions { edges { node { password } } } }');
    assert.deepEqual(errorCodes(unknownField), ['GRAPHQL_VALIDATION_FAILED']);
    const notJson = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.auditor}` }, body: '{"query": ' });
    assert.equal(notJson.status, 400);
    assert.equal(((await notJson.json()) as { errors: Array<{ extensions: { code: string } }> }).errors[0]!.extensions.code, 'BAD_REQUEST');
    const huge = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.auditor}` },
      body: JSON.stringify({ query: `{ viewer { name } } # ${'x'.repeat(70_000)}` }),
    });
    assert.equal(huge.status, 413);
    const manyTokens = await graphql(server.url, tokens.auditor, `{ ${Array.from({ length: 1200 }, (_, i) => `a${i}: viewer { name }`).join(' ')} }`);
    assert.deepEqual(errorCodes(manyTokens), ['GRAPHQL_PARSE_FAILED']);

    assert.deepEqual(errorCodes(await graphql(server.url, tokens.auditor, '{ decisions(first: 500) { edges { cursor } } }')), ['BAD_USER_INPUT']);
    assert.deepEqual(errorCodes(await graphql(server.url, tokens.auditor, '{ decisions(after: "bm90IGEgY3Vyc29y") { edges { cursor } } }')), ['BAD_USER_INPUT']);
    const badDate = await graphql(server.url, tokens.auditor, '{ decisions(filter: { from: "last tuesday" }) { edges { cursor } } }');
    assert.equal(badDate.status, 400);
    assert.match(badDate.body.errors![0]!.message, /ISO 8601/);

    // A cursor that decodes but that Postgres rejects: the database's message must not leak.
    const yearZero = Buffer.from(JSON.stringify(['0000-01-01T00:00:00Z', 'x'])).toString('base64url');
    const internal = await graphql(server.url, tokens.auditor, `{ decisions(after: "${yearZero}") { edges { cursor } } }`);
    assert.deepEqual(internal.body.errors!.map((error) => error.message), ['Unexpected error.']);
    assert.doesNotMatch(JSON.stringify(internal.body), /out of range|postgres|SELECT/i);
  });

  it('refuses introspection when it is turned off', async () => {
    const locked = await startAuditServer({ pool: fixture.db.pool, introspection: false });
    try {
      const refused = await graphql(locked.url, tokens.admin, '{ __schema { types { name } } }');
      assert.equal(refused.status, 400);
      assert.deepEqual([...new Set(errorCodes(refused))], ['GRAPHQL_VALIDATION_FAILED']);
      assert.match(refused.body.errors![0]!.message, /introspection/i);
      assert.equal(refused.body.data, undefined);
      assert.equal((await graphql(locked.url, tokens.admin, '{ viewer { name } }')).status, 200);
      const open = await graphql(server.url, tokens.admin, '{ __schema { queryType { name } } }');
      assert.equal(open.body.data!.__schema.queryType.name, 'Query');
    } finally {
      await locked.close();
    }
  });

  it('streams new decisions and labels to subscribers, filtered by action and account', async () => {
    const { db, config, producer } = fixture;
    await live.ready();
    const declines = await subscribe(server.url, tokens.analyst, 'subscription { decisionMade(action: DECLINE) { transactionId action accountId } }');
    const accountLabels = await subscribe(server.url, tokens.auditor, 'subscription { labelRecorded(accountId: "acct-blocked") { label analyst decision { transactionId } } }');
    try {
      await produceTransactions(producer, config.topics.transactions, [ordinaryTransaction(9001, { id: 'tx-live-ok', accountId: 'acct-live' }), overLimit(4)]);
      await fixture.scoreAll({ model: loadAnomalyModel(champion), backend: 'test' });
      const event = await within(declines.next(), 'the decline event');
      assert.deepEqual(event.data, { decisionMade: { transactionId: 'tx-block-4', action: 'DECLINE', accountId: 'acct-blocked' } });

      // Labels reach the topic through the review service's outbox; here they are put there directly.
      const other = await withTransaction(db.pool, (client) => recordLabel(client, { transactionId: 'tx-live-ok', label: 'legit', source: 'review', analyst: 'ana' }));
      const mine = await withTransaction(db.pool, (client) => recordLabel(client, { transactionId: 'tx-block-4', label: 'fraud', source: 'review', analyst: 'ben' }));
      await producer.send({
        topic: config.topics.labels,
        messages: [other, mine].map((label) => ({ key: label.transactionId, value: JSON.stringify(label) })),
      });
      const labelEvent = await within(accountLabels.next(), 'the label event');
      assert.deepEqual(labelEvent.data, { labelRecorded: { label: 'FRAUD', analyst: 'ben', decision: { transactionId: 'tx-block-4' } } });
    } finally {
      declines.close();
      accountLabels.close();
    }
  });
});
