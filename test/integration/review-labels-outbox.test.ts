import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createLabelOutbox } from '../../services/labels/label-outbox.ts';
import { testLogger } from '../helpers/kafka.ts';
import { createTestDatabase, type TestDatabase } from '../helpers/postgres.ts';
import { createUsers, recordingProducer, ReviewClient, type ReviewServer, seedReviewItem, startReviewServer } from '../helpers/review.ts';

const PASSWORD = 'correct horse battery staple';

describe('labels: corrections, the outbox, the dashboard and the page shell, on real Postgres', () => {
  let db: TestDatabase;
  let server: ReviewServer;
  let brokerDown = false;
  const { producer, sent } = recordingProducer(() => brokerDown);
  let seq = 0;

  const signedIn = async (username: string) => {
    const client = new ReviewClient(server.url, username);
    assert.equal((await client.signIn(PASSWORD)).status, 201);
    return client;
  };
  const claimAndLabel = async (client: ReviewClient, label: 'fraud' | 'legit') => {
    const id = await seedReviewItem(db.pool, { transactionId: `tx-outbox-${++seq}`, priority: 2 });
    assert.equal((await client.request('POST', '/api/queue/claim')).body.item.id, id);
    const res = await client.request('POST', `/api/items/${id}/label`, { body: { label } });
    assert.equal(res.status, 201, JSON.stringify(res.body));
    return { id, res };
  };

  before(async () => {
    db = await createTestDatabase();
    await createUsers(
      db.pool,
      [
        { username: 'ana', role: 'analyst' },
        { username: 'ben', role: 'analyst' },
        { username: 'lea', role: 'lead' },
      ],
      PASSWORD,
    );
    server = await startReviewServer({ pool: db.pool, producer, uiDir: '/nonexistent/ui/' });
  });
  after(async () => {
    await server.close();
    await db.drop();
  });

  it('a correction is a new label naming the one it corrects; only its author or a lead may make it', async () => {
    const ana = await signedIn('ana');
    const ben = await signedIn('ben');
    const lea = await signedIn('lea');
    const { id, res } = await claimAndLabel(ana, 'legit');
    const first = res.body.label;

    const notYours = await ben.request('POST', `/api/items/${id}/correct`, { body: { label: 'fraud' } });
    assert.equal(notYours.status, 409);
    assert.equal(notYours.body.error.code, 'NOT_YOURS');

    const own = await ana.request('POST', `/api/items/${id}/correct`, { body: { label: 'fraud', note: 'chargeback came in' } });
    assert.equal(own.status, 201, JSON.stringify(own.body));
    assert.equal(own.body.label.corrects, first.id);
    const byLead = await lea.request('POST', `/api/items/${id}/correct`, { body: { label: 'legit' } });
    assert.equal(byLead.status, 201);
    assert.equal(byLead.body.label.corrects, own.body.label.id);

    const details = await ana.request('GET', `/api/items/${id}`);
    assert.deepEqual(
      details.body.labels.map((l: { label: string; analyst: string }) => `${l.label}/${l.analyst}`),
      ['legit/ana', 'fraud/ana', 'legit/lea'],
      'every label kept, oldest first; the last counts',
    );
    const audit = await db.pool.query<{ kind: string }>(`SELECT kind FROM audit_log WHERE subject = $1 ORDER BY id`, [first.transactionId]);
    assert.deepEqual(audit.rows.map((row) => row.kind).filter((kind) => kind.startsWith('label.')), ['label.recorded', 'label.corrected', 'label.corrected']);

    const unlabeled = await seedReviewItem(db.pool, { transactionId: `tx-outbox-${++seq}`, priority: 0 });
    const notLabeled = await lea.request('POST', `/api/items/${unlabeled}/correct`, { body: { label: 'fraud' } });
    assert.equal(notLabeled.status, 409);
    assert.equal(notLabeled.body.error.code, 'NOT_LABELED');
    await db.pool.query(`UPDATE review_items SET status = 'labeled', resolved_at = now() WHERE id = $1`, [unlabeled]);
  });

  it('a label recorded while the broker is down is published later, by this or a restarted service', async () => {
    const ana = await signedIn('ana');
    brokerDown = true;
    const { res } = await claimAndLabel(ana, 'fraud');
    await server.publishingIdle();
    assert.equal((await ana.request('GET', '/api/queue')).body.labelsAwaitingPublication, 1, 'recorded, not yet published, and the queue says so');
    const waiting = await db.pool.query<{ label_id: string }>('SELECT label_id FROM label_outbox');
    assert.deepEqual(waiting.rows.map((row) => Number(row.label_id)), [res.body.label.id]);

    brokerDown = false;
    // A fresh outbox stands in for the review service after a restart: nothing is held in memory.
    const before = sent.length;
    const restarted = createLabelOutbox({ pool: db.pool, producer, topic: 'labels', logger: testLogger });
    assert.equal(await restarted.flush(), 1);
    assert.equal(sent.length, before + 1);
    assert.equal(JSON.parse(sent.at(-1)!.value).id, res.body.label.id);
    assert.equal((await db.pool.query('SELECT 1 FROM label_outbox')).rowCount, 0);
    assert.equal(await restarted.flush(), 0, 'sent once, then gone from the outbox');
  });

  it('concurrent flushes from two services send each label once', async () => {
    const ana = await signedIn('ana');
    brokerDown = true;
    for (let i = 0; i < 5; i++) await claimAndLabel(ana, 'legit');
    await server.publishingIdle();
    brokerDown = false;
    const before = sent.length;
    const one = createLabelOutbox({ pool: db.pool, producer, topic: 'labels', logger: testLogger, batchSize: 2 });
    const two = createLabelOutbox({ pool: db.pool, producer, topic: 'labels', logger: testLogger, batchSize: 2 });
    const [a, b] = await Promise.all([one.flush(), two.flush()]);
    assert.equal(a + b, 5);
    const ids = sent.slice(before).map((m) => JSON.parse(m.value).id as number);
    assert.equal(new Set(ids).size, 5, `no label sent twice: ${ids.join(',')}`);
  });

  it('the dashboard counts queue depth, labels and the decision mix of the window', async () => {
    const ana = await signedIn('ana');
    await seedReviewItem(db.pool, { transactionId: `tx-outbox-${++seq}`, priority: 0.1 });
    const res = await ana.request('GET', '/api/dashboard?hours=2');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    const { buckets, bucketSeconds } = res.body as { buckets: Array<{ queueDepth: number; labeled: number; decisions: Record<"approve" | "decline" | "review", number> }>; bucketSeconds: number };
    assert.equal(buckets.length, 48);
    assert.equal(bucketSeconds, 150);
    const open = Number((await db.pool.query(`SELECT count(*) AS n FROM review_items WHERE status IN ('open', 'claimed')`)).rows[0].n);
    assert.equal(buckets.at(-1)!.queueDepth, open, 'depth now is what waits now');
    const labels = Number((await db.pool.query(`SELECT count(*) AS n FROM labels WHERE corrects IS NULL`)).rows[0].n);
    assert.equal(buckets.reduce((sum, b) => sum + b.labeled, 0), labels, 'corrections are not counted as reviews again');
    const decisions = Number((await db.pool.query('SELECT count(*) AS n FROM decisions')).rows[0].n);
    assert.equal(buckets.reduce((sum, b) => sum + b.decisions.review + b.decisions.approve + b.decisions.decline, 0), decisions);

    const tooLong = await ana.request('GET', '/api/dashboard?hours=9999');
    assert.equal(tooLong.status, 400);
    assert.equal(tooLong.body.error.code, 'INVALID_QUERY');
  });

  it('the page shell: who am I, the item I hold, security headers, and a clear answer when the UI is not built', async () => {
    const ana = await signedIn('ana');
    const me = await ana.request('GET', '/api/session');
    assert.deepEqual(me.body, { username: 'ana', role: 'analyst', csrfToken: ana.csrfToken });
    const claimed = await ana.request('POST', '/api/queue/claim');
    assert.equal((await ana.request('GET', '/api/queue')).body.yours[0].id, claimed.body.item.id);

    const byStatus = await ana.request('GET', '/api/search?status=claimed');
    assert.deepEqual(byStatus.body.items.map((item: { id: number }) => item.id), [claimed.body.item.id]);
    for (const query of ['status=maybe', 'status=open&account=a', '']) {
      const bad = await ana.request('GET', `/api/search?${query}`);
      assert.equal(bad.status, 400, query);
      assert.equal(bad.body.error.code, 'INVALID_QUERY');
    }

    const page = await fetch(`${server.url}/`);
    assert.equal(page.status, 503);
    assert.match(await page.text(), /npm run build:ui/);
    const csp = page.headers.get('content-security-policy') ?? '';
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(csp, /unsafe-inline/);
    assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
    assert.equal(page.headers.get('x-frame-options'), 'DENY');
  });
});
