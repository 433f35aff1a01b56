import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { createUsers, recordingProducer, ReviewClient, type ReviewServer, seedReviewItem, startReviewServer } from '../helpers/review.ts';

const PASSWORD = 'correct horse battery staple';

describe('review API on real Postgres', () => {
  let db: TestDatabase;
  let server: ReviewServer;
  const { producer, sent } = recordingProducer();
  let seq = 0;

  const signedIn = async (username: string) => {
    const client = new ReviewClient(server.url, username);
    const res = await client.signIn(PASSWORD);
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return client;
  };
  const seed = (options: { priority?: number; accountId?: string } = {}) => seedReviewItem(db.pool, { transactionId: `tx-${++seq}`, ...options });
  /** Empties the queue so each test sees only the items it seeds. */
  const clearQueue = () => db.pool.query(`UPDATE review_items SET status = 'labeled', claimed_by = NULL, lease_expires_at = NULL WHERE status <> 'labeled'`);

  before(async () => {
    db = await createTestDatabase();
    const analysts = Array.from({ length: 20 }, (_, i) => ({ username: `analyst-${i}`, role: 'analyst' as const }));
    await createUsers(db.pool, [...analysts, { username: 'lead', role: 'lead' }], PASSWORD);
    server = await startReviewServer({ pool: db.pool, producer });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('20 concurrent claimers never share an item, and claims beyond the queue get nothing', async () => {
    await clearQueue();
    const ids = await Promise.all(Array.from({ length: 30 }, (_, i) => seed({ priority: i / 30 })));
    const clients = await Promise.all(Array.from({ length: 20 }, (_, i) => signedIn(`analyst-${i}`)));

    const first = await Promise.all(clients.map((client) => client.request('POST', '/api/queue/claim')));
    for (const res of first) assert.equal(res.status, 200, JSON.stringify(res.body));
    const firstIds = first.map((res) => res.body.item?.id as number);
    assert.equal(new Set(firstIds).size, 20, `duplicate claims: ${firstIds.join(',')}`);
    // Highest priority first: the 20 claimed are the top 20 of 30.
    assert.deepEqual([...firstIds].sort((a, b) => a - b), ids.slice(10).sort((a, b) => a - b));

    const second = await Promise.all(clients.map((client) => client.request('POST', '/api/queue/claim')));
    const secondIds = second.map((res) => res.body.item?.id as number | undefined).filter((id) => id !== undefined);
    assert.equal(secondIds.length, 10);
    const all = [...firstIds, ...secondIds];
    assert.equal(new Set(all).size, 30, 'every item claimed exactly once');
    assert.equal(second.filter((res) => res.body.item === null).length, 10, 'claims beyond the queue get item: null');

    const { rows } = await db.pool.query<{ claimed_by: string; n: string }>(
      `SELECT claimed_by, count(*) AS n FROM review_items WHERE id = ANY($1) GROUP BY claimed_by`,
      [ids],
    );
    assert.equal(rows.reduce((sum, row) => sum + Number(row.n), 0), 30);

    const stats = await clients[0]!.request('GET', '/api/queue');
    assert.equal(stats.status, 200);
    assert.equal(stats.body.counts.claimed, 30);
    assert.equal(stats.body.oldestWaitingSeconds, null);
  });

  it('an expired lease returns the item to the queue, and its first holder gets LEASE_EXPIRED or NOT_YOURS', async () => {
    await clearQueue();
    const id = await seed();
    const a = await signedIn('analyst-0');
    const b = await signedIn('analyst-1');
    assert.equal((await a.request('POST', '/api/queue/claim')).body.item.id, id);
    assert.equal((await b.request('POST', '/api/queue/claim')).body.item, null, 'a live lease keeps the item');

    await db.pool.query(`UPDATE review_items SET lease_expires_at = now() - interval '1 second' WHERE id = $1`, [id]);
    const lateLabel = await a.request('POST', `/api/items/${id}/label`, { body: { label: 'fraud' } });
    assert.equal(lateLabel.status, 409);
    assert.equal(lateLabel.body.error.code, 'LEASE_EXPIRED');
    assert.equal((await a.request('GET', '/api/queue')).body.counts.claimed, 1);

    const reclaimed = await b.request('POST', '/api/queue/claim');
    assert.equal(reclaimed.body.item.id, id);
    assert.equal(reclaimed.body.item.claimedBy, 'analyst-1');
    const stale = await a.request('POST', `/api/items/${id}/label`, { body: { label: 'fraud' } });
    assert.equal(stale.status, 409);
    assert.equal(stale.body.error.code, 'NOT_YOURS');
  });

  it('labels once: stored, audited and published; someone else or a second label gets 409', async () => {
    await clearQueue();
    const id = await seed({ accountId: 'acct-label' });
    const a = await signedIn('analyst-2');
    const b = await signedIn('analyst-3');
    assert.equal((await a.request('POST', '/api/queue/claim')).body.item.id, id);

    const notYours = await b.request('POST', `/api/items/${id}/label`, { body: { label: 'legit' } });
    assert.equal(notYours.status, 409);
    assert.equal(notYours.body.error.code, 'NOT_YOURS');

    const details = await a.request('GET', `/api/items/${id}`);
    assert.equal(details.status, 200);
    assert.equal(details.body.decision.modelVersion, 'model-test');
    assert.equal(details.body.decision.ruleHits[0].rule, 'new-device');
    assert.equal(details.body.decision.anomaly.topFeatures[0].feature, 'amount_z');
    assert.equal(details.body.history.length, 1);

    const before = sent.length;
    const ok = await a.request('POST', `/api/items/${id}/label`, { body: { label: 'fraud', note: 'card testing', reasonCode: 'CT' } });
    assert.equal(ok.status, 201, JSON.stringify(ok.body));
    await server.publishingIdle();
    assert.equal(sent.length, before + 1);
    const published = JSON.parse(sent.at(-1)!.value);
    assert.equal(published.transactionId, details.body.item.transactionId);
    assert.equal(published.label, 'fraud');
    assert.equal(published.analyst, 'analyst-2');

    const again = await a.request('POST', `/api/items/${id}/label`, { body: { label: 'legit' } });
    assert.equal(again.status, 409);
    assert.equal(again.body.error.code, 'ALREADY_LABELED');

    const labels = await db.pool.query('SELECT label, analyst, note, reason_code FROM labels WHERE transaction_id = $1', [published.transactionId]);
    assert.deepEqual(labels.rows, [{ label: 'fraud', analyst: 'analyst-2', note: 'card testing', reason_code: 'CT' }]);
    const audit = await db.pool.query(`SELECT actor FROM audit_log WHERE kind = 'label.recorded' AND subject = $1`, [published.transactionId]);
    assert.deepEqual(audit.rows, [{ actor: 'analyst-2' }]);

    const search = await b.request('GET', `/api/search?account=acct-label`);
    assert.equal(search.status, 200);
    assert.equal(search.body.items[0].status, 'labeled');
  });

  it('release, skip, escalate and assign move the item as documented', async () => {
    await clearQueue();
    const high = await seed({ priority: 0.9 });
    const low = await seed({ priority: 0.1 });
    const a = await signedIn('analyst-4');
    const b = await signedIn('analyst-5');
    const lead = await signedIn('lead');

    assert.equal((await a.request('POST', '/api/queue/claim')).body.item.id, high);
    assert.equal((await a.request('POST', `/api/items/${high}/release`)).status, 204);
    assert.equal((await a.request('POST', '/api/queue/claim')).body.item.id, high, 'released: back at its place');

    assert.equal((await a.request('POST', `/api/items/${high}/skip`)).status, 204);
    assert.equal((await a.request('POST', '/api/queue/claim')).body.item.id, low, 'skipped: behind everything else for its skipper');
    assert.equal((await b.request('POST', '/api/queue/claim')).body.item.id, high, 'but at its place for others');

    assert.equal((await b.request('POST', `/api/items/${high}/escalate`, { body: { note: 'looks like a mule' } })).status, 204);
    assert.equal((await a.request('GET', '/api/queue')).body.counts.escalated, 1);
    assert.equal((await b.request('POST', '/api/queue/claim')).body.item, null, 'escalated items are not claimable');

    assert.equal((await lead.request('POST', `/api/items/${high}/assign`, { body: { analyst: 'analyst-4' } })).status, 204);
    assert.equal((await b.request('POST', '/api/queue/claim')).body.item, null, 'assigned to someone else');
    const assigned = await a.request('POST', '/api/queue/claim');
    assert.equal(assigned.body.item.id, high);
    assert.equal(assigned.body.item.assignedTo, 'analyst-4');

    const unknown = await lead.request('POST', `/api/items/${high}/assign`, { body: { analyst: 'nobody' } });
    assert.equal(unknown.status, 409);
    assert.equal(unknown.body.error.code, 'UNKNOWN_ANALYST');
    const missing = await a.request('POST', '/api/items/999999/release');
    assert.equal(missing.status, 404);
    assert.equal(missing.body.error.code, 'NOT_FOUND');
  });

  it('refuses unauthenticated, wrong-role, cross-site and malformed requests with stable codes', async () => {
    const id = await seed();
    const anonymous = new ReviewClient(server.url, 'nobody');
    const noSession = await anonymous.request('GET', '/api/queue');
    assert.equal(noSession.status, 401);
    assert.equal(noSession.body.error.code, 'NOT_SIGNED_IN');
    const garbled = await fetch(`${server.url}/api/queue`, { headers: { cookie: 'loupe_session=%E0%A4%A' } });
    assert.equal(garbled.status, 401, 'a malformed cookie is no session, not a server error');
    assert.equal(((await garbled.json()) as { error: { code: string } }).error.code, 'NOT_SIGNED_IN');

    const badPassword = await new ReviewClient(server.url, 'analyst-6').signIn('wrong');
    assert.equal(badPassword.status, 401);
    assert.equal(badPassword.body.error.code, 'BAD_CREDENTIALS');

    const analyst = await signedIn('analyst-6');
    assert.match(analyst.cookie ?? '', /^loupe_session=/);
    const signIns = await db.pool.query(`SELECT kind FROM audit_log WHERE subject = 'analyst-6' AND kind LIKE 'session.%' ORDER BY seq`);
    assert.deepEqual(signIns.rows.map((row: { kind: string }) => row.kind).slice(-2), ['session.sign-in-failed', 'session.signed-in']);
    const forbidden = await analyst.request('POST', `/api/items/${id}/assign`, { body: { analyst: 'analyst-7' } });
    assert.equal(forbidden.status, 403);
    assert.equal(forbidden.body.error.code, 'FORBIDDEN');

    const noCsrf = await analyst.request('POST', '/api/queue/claim', { csrf: false });
    assert.equal(noCsrf.status, 403);
    assert.equal(noCsrf.body.error.code, 'BAD_CSRF');

    const malformed = await analyst.request('POST', `/api/items/${id}/label`, { body: { label: 'maybe' } });
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'INVALID_BODY');
    const notJson = await analyst.request('POST', `/api/items/${id}/label`, { rawBody: '{"label": ' });
    assert.equal(notJson.status, 400);
    assert.equal(notJson.body.error.code, 'INVALID_BODY');
    const badSearch = await analyst.request('GET', '/api/search');
    assert.equal(badSearch.status, 400);
    assert.equal(badSearch.body.error.code, 'INVALID_QUERY');

    assert.equal((await analyst.request('DELETE', '/api/session')).status, 204);
    const signedOut = await analyst.request('GET', '/api/queue');
    assert.equal(signedOut.status, 401);
  });
});
