import express, { type Router } from 'express';
import type pg from 'pg';
import { AssignBody, DashboardQuery, EscalateBody, ItemIdParam, LabelBody, SearchQuery } from '../domain/index.ts';
import type { LabelOutbox } from '../labels/label-outbox.ts';
import type { Logger } from '../platform/logger.ts';
import { requireRole, sessionOf } from './auth.ts';
import { ReviewError } from './errors.ts';
import { getItemDetails } from './item-details.ts';
import { loadDashboard } from './dashboard.ts';
import { correctLabel, labelItem } from './label-item.ts';
import { assignItem } from './queue/assign-item.ts';
import { claimNextItem } from './queue/claim-next-item.ts';
import { escalateItem } from './queue/escalate-item.ts';
import { itemsClaimedBy } from './queue/items-claimed-by.ts';
import { queueStats } from './queue/queue-stats.ts';
import { releaseItem } from './queue/release-item.ts';
import { skipItem } from './queue/skip-item.ts';
import { searchItems } from './search-items.ts';
import { parseBody, parseQuery } from './validate.ts';

export interface QueueRouteDeps {
  pool: pg.Pool;
  labelOutbox: LabelOutbox;
  logger: Logger;
  leaseSeconds: number;
}

function itemId(raw: unknown): number {
  const parsed = ItemIdParam.safeParse(raw);
  if (!parsed.success) throw new ReviewError('NOT_FOUND', 'review item ids are positive integers');
  return parsed.data;
}

/** The queue, item and search routes; every one checks the role (auth.ts). */
export function queueRoutes(deps: QueueRouteDeps): Router {
  const { pool } = deps;
  const analyst = requireRole(pool, 'analyst');
  const lead = requireRole(pool, 'lead');
  const router = express.Router();

  router.get('/api/queue', analyst, async (_req, res) => {
    res.json({ ...(await queueStats(pool)), yours: await itemsClaimedBy(pool, sessionOf(res).username) });
  });
  router.post('/api/queue/claim', analyst, async (_req, res) => {
    res.json({ item: await claimNextItem(pool, sessionOf(res).username, deps.leaseSeconds) });
  });
  router.get('/api/items/:id', analyst, async (req, res) => {
    res.json(await getItemDetails(pool, itemId(req.params['id'])));
  });
  /**
   * The label is committed with its outbox row before the answer, so it is safe; publishing it is
   * the outbox's job and the answer does not wait for the broker (that wait was most of a label's
   * latency). A failed send leaves the label in the outbox for the timer, and GET /api/queue shows
   * how many labels are waiting.
   */
  function publishInBackground(label: { id: number; transactionId: string }): void {
    deps.labelOutbox.flush().catch((error: unknown) => {
      deps.logger.warn({ err: error, labelId: label.id, transactionId: label.transactionId }, 'label recorded; publishing it is delayed');
    });
  }

  router.get('/api/dashboard', analyst, async (req, res) => {
    res.json(await loadDashboard(pool, parseQuery(DashboardQuery, req.query).hours));
  });
  router.post('/api/items/:id/label', analyst, async (req, res) => {
    const body = parseBody(LabelBody, req.body);
    const label = await labelItem(pool, { itemId: itemId(req.params['id']), analyst: sessionOf(res).username, ...body });
    publishInBackground(label);
    res.status(201).json({ label });
  });
  router.post('/api/items/:id/correct', analyst, async (req, res) => {
    const body = parseBody(LabelBody, req.body);
    const session = sessionOf(res);
    const label = await correctLabel(pool, { itemId: itemId(req.params['id']), analyst: session.username, role: session.role, ...body });
    publishInBackground(label);
    res.status(201).json({ label });
  });
  router.post('/api/items/:id/release', analyst, async (req, res) => {
    await releaseItem(pool, itemId(req.params['id']), sessionOf(res).username);
    res.status(204).end();
  });
  router.post('/api/items/:id/skip', analyst, async (req, res) => {
    await skipItem(pool, itemId(req.params['id']), sessionOf(res).username);
    res.status(204).end();
  });
  router.post('/api/items/:id/escalate', analyst, async (req, res) => {
    const body = parseBody(EscalateBody, req.body);
    await escalateItem(pool, itemId(req.params['id']), sessionOf(res).username, body.note);
    res.status(204).end();
  });
  router.post('/api/items/:id/assign', lead, async (req, res) => {
    const body = parseBody(AssignBody, req.body);
    await assignItem(pool, itemId(req.params['id']), body.analyst, sessionOf(res).username);
    res.status(204).end();
  });
  router.get('/api/search', analyst, async (req, res) => {
    res.json({ items: await searchItems(pool, parseQuery(SearchQuery, req.query)) });
  });
  return router;
}
