import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { LabelSchema, type TransactionInput } from '../../services/domain/index.ts';
import { loadFeatureSpec } from '../../services/features/load-feature-spec.ts';
import { loadAnomalyModel, selectBackend } from '../../services/model/index.ts';
import { findChampion } from '../../services/registry/model-store.ts';
import { createSimulator } from '../../services/simulator/index.ts';
import { ensureChampion } from '../../services/trainer/bootstrap-champion.ts';
import { buildUi } from '../../ui/build.ts';
import { launchChromium } from '../helpers/browser.ts';
import { readAllCommitted, testLogger } from '../helpers/kafka.ts';
import { type PipelineFixture, setUpPipeline } from '../helpers/pipeline.ts';
import { createUsers, type ReviewServer, startReviewServer } from '../helpers/review.ts';
import { produceTransactions } from '../helpers/transactions.ts';

const PASSWORD = 'correct horse battery staple';
const ARTIFACTS = new URL('../../test-artifacts/', import.meta.url).pathname;
// A stream field that would run script if the page ever parsed it as HTML.
const HOSTILE_MERCHANT = '<img/src=x/onerror=window.__xss=1>';
const HOSTILE_MEMO = '<script>window.__xss=2</script><b>bold?</b>';

describe('analyst UI in headless Chromium, on decisions made by the real pipeline', () => {
  let fixture: PipelineFixture;
  let server: ReviewServer;
  let browser: Browser;
  let page: Page;
  let uiDir: string;
  let hostileId: string;

  before(async () => {
    fixture = await setUpPipeline();
    const { db, config, producer } = fixture;
    await selectBackend('auto');
    const spec = await loadFeatureSpec('card-default');
    await ensureChampion(db.pool, spec, { actor: 'test', count: 3000, logger: testLogger });
    const model = loadAnomalyModel((await findChampion(db.pool))!);

    // Ordinary history for 60 accounts, then large amounts that the amount-needs-review rule sends
    // to review: one of them with HTML in its merchant id and attributes.
    const simulator = createSimulator({ seed: 11, accounts: 60, merchants: 30, startMs: Date.now() - 6 * 3_600_000, ratePerSecond: 0.02, fraudRate: 0 });
    const history = simulator.take(300).map(({ transaction }) => transaction);
    const last = history[history.length - 1]!;
    const big = (i: number, extra: Partial<TransactionInput> = {}): TransactionInput => ({
      ...history[i]!,
      id: `big-${i}`,
      timestamp: new Date(Date.parse(last.timestamp) + (i + 1) * 1000).toISOString(),
      amount: 20_000 + i,
      ...extra,
    });
    hostileId = 'big-hostile';
    const reviewed = [big(1), big(2), big(3), big(4, { id: hostileId, merchantId: HOSTILE_MERCHANT, attributes: { memo: HOSTILE_MEMO } })];
    await produceTransactions(producer, config.topics.transactions, [...history, ...reviewed]);
    await fixture.scoreAll({ model, backend: 'test' }); // the scorer disposes the model when it stops

    await createUsers(
      db.pool,
      [
        { username: 'ana', role: 'analyst' },
        { username: 'lea', role: 'lead' },
      ],
      PASSWORD,
    );
    uiDir = await buildUi(await mkdtemp(join(tmpdir(), 'loupe-ui-')));
    server = await startReviewServer({ pool: db.pool, producer, labelsTopic: config.topics.labels, uiDir });
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.on('pageerror', (error) => assert.fail(`uncaught error in the page: ${error.message}`));
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    await fixture.teardown();
    if (uiDir) await rm(uiDir, { recursive: true, force: true });
  });

  const stat = async (name: string) => Number(await page.locator(`[data-stat="${name}"] .value`).innerText());
  const countIn = async (status: string) =>
    Number((await fixture.db.pool.query<{ n: string }>('SELECT count(*) AS n FROM review_items WHERE status = $1', [status])).rows[0]!.n);

  it('signs in and shows the queue with its counts', async () => {
    await page.goto(server.url);
    await page.fill('#username', 'ana');
    await page.fill('#password', PASSWORD);
    await page.press('#password', 'Enter');
    await page.locator('[data-testid="user"]').filter({ hasText: 'ana (analyst)' }).waitFor();
    const open = await countIn('open');
    assert.ok(open >= 4, `the four large amounts are in the queue (open: ${open})`);
    await page.locator('[data-stat="open"] .value').filter({ hasText: String(open) }).waitFor();
  });

  it('claims from the keyboard and explains the item', async () => {
    const { rows } = await fixture.db.pool.query<{ transaction_id: string }>(
      `SELECT transaction_id FROM review_items WHERE status = 'open' ORDER BY priority DESC, created_at LIMIT 1`,
    );
    await page.keyboard.press('c');
    const panel = page.locator('[data-testid="explanation"]');
    await panel.waitFor();
    assert.equal(await panel.getAttribute('data-transaction-id'), rows[0]!.transaction_id, 'the highest-priority item is claimed');
    const text = await panel.innerText();
    for (const heading of ['WHY IT IS HERE', 'TRANSACTION', 'RULE HITS', 'ANOMALY', 'ACCOUNT HISTORY', 'VERSIONS']) {
      assert.match(text, new RegExp(heading, 'i'), `explanation shows ${heading}`);
    }
    assert.match(text, /fraud probability/);
    assert.equal(await panel.locator('table.features tbody tr').count(), 5, 'top five features by reconstruction error');
    assert.match(await panel.locator('table.features').innerText(), /account usual/i);
    assert.match(await page.locator('[data-testid="lease"]').innerText(), /lease \d+:\d\d/);
    await mkdir(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'review-screen.png'), fullPage: true });
  });

  it('labels from the keyboard with a note; the queue shrinks and the label is on the labels topic', async () => {
    const panel = page.locator('[data-testid="explanation"]');
    const transactionId = (await panel.getAttribute('data-transaction-id'))!;
    const labeledBefore = await stat('labeled');
    const waitingBefore = (await countIn('open')) + (await countIn('claimed'));

    await page.keyboard.press('n');
    await page.keyboard.type('called the cardholder: not them');
    await page.keyboard.press('Escape');
    await page.keyboard.press('f');
    await page.locator('[data-testid="status"]').filter({ hasText: `Labelled ${transactionId} fraud` }).waitFor();
    await page.locator('[data-stat="labeled"] .value').filter({ hasText: String(labeledBefore + 1) }).waitFor();
    assert.equal((await countIn('open')) + (await countIn('claimed')), waitingBefore - 1, 'one item fewer waiting');
    assert.notEqual(await panel.getAttribute('data-transaction-id'), transactionId, 'the next item is claimed at once');

    await server.publishingIdle();
    const labels = (await readAllCommitted(fixture.kafka, fixture.config.topics.labels)).map((m) => LabelSchema.parse(JSON.parse(m.value!.toString())));
    const label = labels.find((l) => l.transactionId === transactionId);
    assert.ok(label, 'label published');
    assert.deepEqual([label.label, label.analyst, label.note, label.source], ['fraud', 'ana', 'called the cardholder: not them', 'review']);
  });

  it('finds an item by transaction id and shows HTML in stream fields as text', async () => {
    await page.keyboard.press('r'); // release the auto-claimed item: the page stays consistent
    await page.keyboard.press('/');
    // '/' only changes the location; the search view renders on the hashchange that follows and then
    // focuses its field. Letters typed before that are shortcuts on the page being left.
    await page.locator('#search-input:focus').waitFor();
    await page.keyboard.type(hostileId);
    await page.keyboard.press('Enter');
    await page.locator('[data-testid="search-results"] a').filter({ hasText: hostileId }).click();
    const panel = page.locator(`[data-testid="explanation"][data-transaction-id="${hostileId}"]`);
    await panel.waitFor();
    const transaction = await panel.locator('[data-testid="transaction"]').innerText();
    assert.ok(transaction.includes(HOSTILE_MERCHANT), 'the merchant id appears literally');
    assert.ok((await panel.innerText()).includes(HOSTILE_MEMO), 'the memo attribute appears literally');
    assert.equal(await panel.locator('img, script, b').count(), 0, 'no element was made from stream data');
    assert.equal(await page.evaluate(() => (globalThis as { __xss?: number }).__xss), undefined, 'no script ran');
  });

  it('escalates from the keyboard; a lead finds it by status and assigns it back', async () => {
    await page.keyboard.press('q');
    // Likewise for 'q': a key pressed before the queue view is on screen goes to the item page.
    await page.locator('.empty').filter({ hasText: 'No item claimed.' }).waitFor();
    await page.keyboard.press('c');
    const panel = page.locator('[data-testid="explanation"]');
    await panel.waitFor();
    const escalated = (await panel.getAttribute('data-transaction-id'))!;
    await page.keyboard.press('n');
    await page.keyboard.type('looks like a mule account');
    await page.keyboard.press('Escape');
    await page.keyboard.press('e');
    await page.locator('[data-testid="status"]').filter({ hasText: `Escalated ${escalated} to a lead` }).waitFor();

    const lead = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    try {
      await lead.goto(server.url);
      await lead.fill('#username', 'lea');
      await lead.fill('#password', PASSWORD);
      await lead.press('#password', 'Enter');
      await lead.locator('[data-testid="user"]').filter({ hasText: 'lea (lead)' }).waitFor();
      await lead.goto(`${server.url}/#/search?status=escalated`);
      await lead.locator('[data-testid="search-results"] a').filter({ hasText: escalated }).click();
      await lead.getByText('note: looks like a mule account').waitFor();
      await lead.fill('#assign-to', 'ana');
      await lead.press('#assign-to', 'Enter');
      await lead.locator('[data-testid="status"]').filter({ hasText: `Assigned ${escalated} to ana` }).waitFor();
    } finally {
      await lead.close();
    }

    await page.keyboard.press('r'); // the item claimed after escalating goes back
    await page.locator('[data-testid="status"]').filter({ hasText: 'Released' }).waitFor();
    await page.keyboard.press('c');
    await page.locator(`[data-testid="explanation"][data-transaction-id="${escalated}"]`).waitFor();
  });

  it('shows the dashboard as charts', async () => {
    await page.keyboard.press('d');
    const mix = page.locator('[data-testid="chart-decision-mix"] svg');
    await mix.waitFor();
    assert.ok((await mix.locator('rect').count()) > 0, 'decision mix has bars');
    assert.equal(await page.locator('[data-testid="chart-queue-depth"] polyline').count(), 1);
    assert.ok((await page.locator('[data-testid="chart-review-rate"] rect').count()) >= 1, 'the label given above is a bar');
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });
});
